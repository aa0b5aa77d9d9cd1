"""A test window that repaints a moving pattern and a frame counter, so x11grab has something real.

Run: python anim_window.py TITLE WIDTH HEIGHT X Y  (it prints its X window id once mapped)
"""

from __future__ import annotations

import sys
import tkinter as tk


def main() -> None:
    title, width, height, x, y = sys.argv[1], *map(int, sys.argv[2:6])
    root = tk.Tk()
    root.title(title)
    root.geometry(f"{width}x{height}+{x}+{y}")
    canvas = tk.Canvas(root, width=width, height=height, highlightthickness=0, background="#202040")
    canvas.pack(fill="both", expand=True)
    box = canvas.create_rectangle(0, 0, 60, 60, fill="#ffcc00", outline="")
    label = canvas.create_text(width // 2, height // 2, text="0", fill="white", font=("Helvetica", 32))
    frame = [0]

    def tick() -> None:
        frame[0] += 1
        n = frame[0]
        px = (n * 7) % max(width - 60, 1)
        py = (n * 3) % max(height - 60, 1)
        canvas.coords(box, px, py, px + 60, py + 60)
        canvas.itemconfigure(label, text=str(n))
        canvas.configure(background="#202040" if n % 30 else "#f0f0f0")
        root.after(33, tick)

    def announce() -> None:
        print(hex(root.winfo_id()), hex(int(root.wm_frame(), 16)), flush=True)

    root.after(33, tick)
    root.after(300, announce)
    root.mainloop()


if __name__ == "__main__":
    main()
