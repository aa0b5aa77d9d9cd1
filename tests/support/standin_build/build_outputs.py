"""Output data exactly as a TDW build sends it: FlatBuffers tables with the 4-char type id at
bytes 4..8 (`imag`, `quit`), the raw `vers` record, and the big-endian frame count that ends
every reply. Also the image encoders: PNG is written by hand (Up filter, cached deflate blocks
for unchanged rows) because PIL's PNG takes ~13 ms at 720p and this must keep up with
30+ frames/s while a recorder shares the CPU.
"""
from __future__ import annotations

import io
import struct
import zlib
from typing import Dict, Iterable, Tuple

import numpy as np
from PIL import Image
from tdw import flatbuffers
from tdw.FBOutput import ImagePass as FBImagePass
from tdw.FBOutput import Images as FBImages
from tdw.FBOutput import QuitSignal as FBQuitSignal

EXT_PNG, EXT_JPG = 1, 2  # tdw.FBOutput.Extension
PASS_MASKS = {"_img": 1, "_id": 2, "_category": 4, "_mask": 8, "_depth": 16, "_normals": 32,
              "_flow": 64, "_depth_simple": 128, "_albedo": 512}  # tdw.FBOutput.PassMask
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _deflate_block(data: bytes) -> bytes:
    """Raw deflate of `data`, ended byte-aligned (sync flush) so blocks can be concatenated."""
    compressor = zlib.compressobj(1, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush(zlib.Z_SYNC_FLUSH)


_DEFLATE_END = zlib.compressobj(1, zlib.DEFLATED, -15).flush()  # an empty final block
_still_rows: Dict[Tuple[int, int], bytes] = {}  # (row length, row count) -> deflated unchanged rows


def _deflate_scanlines(raw: np.ndarray) -> bytes:
    """A zlib stream of the filtered scanlines. Runs of unchanged rows (Up filter, all zeros) are
    the bulk of every picture, so their deflate blocks are cached and spliced in, and zlib only
    compresses the rows where something changes: ~5x faster than compressing everything."""
    changed = raw[:, 1:].any(axis=1)
    changed[0] = True
    edges = np.flatnonzero(np.diff(changed.astype(np.int8))) + 1
    blocks = [b"\x78\x01"]  # zlib header: deflate, 32K window, fastest
    for start, stop in zip(np.r_[0, edges], np.r_[edges, len(raw)]):
        if changed[start]:
            blocks.append(_deflate_block(raw[start:stop].tobytes()))
        else:
            key = (raw.shape[1], int(stop - start))
            if key not in _still_rows:
                if len(_still_rows) > 512:
                    _still_rows.clear()
                _still_rows[key] = _deflate_block(raw[start:stop].tobytes())
            blocks.append(_still_rows[key])
    blocks += [_DEFLATE_END, struct.pack(">I", zlib.adler32(raw.data))]
    return b"".join(blocks)


def encode_png(rgb: np.ndarray) -> bytes:
    """A complete RGB PNG file: scanlines with the "Up" filter (the first unfiltered), so rows
    that repeat the one above become zeros, then deflated (see _deflate_scanlines)."""
    height, width = rgb.shape[:2]
    rows = np.ascontiguousarray(rgb).reshape(height, width * 3)
    raw = np.empty((height, width * 3 + 1), dtype=np.uint8)
    raw[0, 0], raw[1:, 0] = 0, 2  # filter types: None, then Up
    raw[0, 1:] = rows[0]
    np.subtract(rows[1:], rows[:-1], out=raw[1:, 1:])  # uint8 wraps modulo 256, as PNG wants
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit truecolour
    return (_PNG_SIGNATURE + _png_chunk(b"IHDR", header)
            + _png_chunk(b"IDAT", _deflate_scanlines(raw)) + _png_chunk(b"IEND", b""))


def encode_jpg(rgb: np.ndarray, quality: int = 75) -> bytes:
    """A complete JPEG file (what `set_img_pass_encoding` value=False asks for)."""
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, format="JPEG", quality=quality)
    return buffer.getvalue()


def _finish(builder: flatbuffers.Builder, root: int, type_id: bytes) -> bytes:
    """Finish a buffer with a file identifier, which the vendored builder cannot do.

    Layout: [root offset: 4 bytes][type id: 4 bytes][tables...]; tdw reads the id at bytes 4..8.
    """
    assert len(type_id) == 4
    builder.Prep(builder.minalign, 8)
    for byte in reversed(type_id):
        builder.PrependByte(byte)
    builder.PrependUOffsetTRelative(root)
    builder.finished = True
    return bytes(builder.Output())


def images_output(avatar_id: str, width: int, height: int,
                  passes: Iterable[Tuple[str, bytes, int]], sensor_name: str = "SensorContainer") -> bytes:
    """An `imag` output: one avatar's passes as (pass mask name, file bytes, extension)."""
    passes = list(passes)
    builder = flatbuffers.Builder(sum(len(data) for _, data, _ in passes) + 1024)
    pass_offsets = []
    for mask, data, extension in passes:
        image = builder.CreateByteVector(data)
        FBImagePass.ImagePassStart(builder)
        FBImagePass.ImagePassAddPassMask(builder, PASS_MASKS[mask])
        FBImagePass.ImagePassAddImage(builder, image)
        FBImagePass.ImagePassAddExtension(builder, extension)
        pass_offsets.append(FBImagePass.ImagePassEnd(builder))
    FBImages.ImagesStartPassesVector(builder, len(pass_offsets))
    for offset in reversed(pass_offsets):
        builder.PrependUOffsetTRelative(offset)
    passes_vector = builder.EndVector(len(pass_offsets))
    avatar = builder.CreateString(avatar_id)
    sensor = builder.CreateString(sensor_name)
    FBImages.ImagesStart(builder)
    FBImages.ImagesAddAvatarId(builder, avatar)
    FBImages.ImagesAddSensorName(builder, sensor)
    FBImages.ImagesAddWidth(builder, width)
    FBImages.ImagesAddHeight(builder, height)
    FBImages.ImagesAddPasses(builder, passes_vector)
    return _finish(builder, FBImages.ImagesEnd(builder), b"imag")


def quit_output(ok: bool = True) -> bytes:
    """A `quit` output: the build's last reply, sent on `terminate` before it exits."""
    builder = flatbuffers.Builder(64)
    FBQuitSignal.QuitSignalStart(builder)
    FBQuitSignal.QuitSignalAddOk(builder, ok)
    return _finish(builder, FBQuitSignal.QuitSignalEnd(builder), b"quit")


def version_output(tdw_version: str, unity_version: str, standalone: bool = True) -> bytes:
    """A `vers` output. Not a FlatBuffer: 4 bytes, "vers", standalone flag, length-prefixed
    TDW version, then the Unity version to the end (see tdw.output_data.Version)."""
    tdw = tdw_version.encode("utf-8")
    return (b"\x00\x00\x00\x00vers" + bytes([1 if standalone else 0, len(tdw)]) + tdw
            + unity_version.encode("utf-8"))


def frame_bytes(frame: int) -> bytes:
    """The last element of every reply; `Controller.get_frame` reads it as a big-endian int."""
    return int(frame).to_bytes(4, byteorder="big")


def _float_vector(builder: flatbuffers.Builder, start, values) -> int:
    values = [float(v) for v in values]
    start(builder, len(values))
    for value in reversed(values):
        builder.PrependFloat32(value)
    return builder.EndVector(len(values))


def camera_matrices_output(avatar_id: str, projection: Iterable[float], camera: Iterable[float],
                           sensor_name: str = "SensorContainer") -> bytes:
    """A `cama` output: one avatar's projection and camera (world to camera) matrices, 16 floats each."""
    from tdw.FBOutput import CameraMatrices as FB

    builder = flatbuffers.Builder(512)
    projection_vector = _float_vector(builder, FB.CameraMatricesStartProjectionMatrixVector, projection)
    camera_vector = _float_vector(builder, FB.CameraMatricesStartCameraMatrixVector, camera)
    avatar, sensor = builder.CreateString(avatar_id), builder.CreateString(sensor_name)
    FB.CameraMatricesStart(builder)
    FB.CameraMatricesAddAvatarId(builder, avatar)
    FB.CameraMatricesAddSensorName(builder, sensor)
    FB.CameraMatricesAddProjectionMatrix(builder, projection_vector)
    FB.CameraMatricesAddCameraMatrix(builder, camera_vector)
    return _finish(builder, FB.CameraMatricesEnd(builder), b"cama")


def transforms_output(objects: Dict[int, Tuple[Tuple[float, ...], Tuple[float, ...], Tuple[float, ...]]]) -> bytes:
    """A `tran` output: id -> (position xyz, rotation xyzw, forward xyz) of every object."""
    from tdw.FBOutput import Transforms as FB

    builder = flatbuffers.Builder(1024)
    ids = list(objects)
    FB.TransformsStartIdsVector(builder, len(ids))
    for object_id in reversed(ids):
        builder.PrependInt32(object_id)
    id_vector = builder.EndVector(len(ids))
    vectors = [_float_vector(builder, start, [v for i in ids for v in objects[i][k]])
               for k, start in enumerate((FB.TransformsStartPositionsVector, FB.TransformsStartRotationsVector,
                                          FB.TransformsStartForwardsVector))]
    FB.TransformsStart(builder)
    FB.TransformsAddIds(builder, id_vector)
    FB.TransformsAddPositions(builder, vectors[0])
    FB.TransformsAddRotations(builder, vectors[1])
    FB.TransformsAddForwards(builder, vectors[2])
    return _finish(builder, FB.TransformsEnd(builder), b"tran")


def avatar_kinematic_output(avatar_id: str, position: Tuple[float, float, float],
                            rotation: Tuple[float, float, float, float], forward: Tuple[float, float, float]) -> bytes:
    """An `avki` output (send_avatars, a kinematic avatar such as ThirdPersonCamera's)."""
    from tdw.FBOutput import AvatarKinematic as FB
    from tdw.FBOutput.Quaternion import CreateQuaternion
    from tdw.FBOutput.Vector3 import CreateVector3

    builder = flatbuffers.Builder(256)
    avatar = builder.CreateString(avatar_id)
    FB.AvatarKinematicStart(builder)
    FB.AvatarKinematicAddId(builder, avatar)
    FB.AvatarKinematicAddPosition(builder, CreateVector3(builder, *position))
    FB.AvatarKinematicAddRotation(builder, CreateQuaternion(builder, *rotation))
    FB.AvatarKinematicAddForward(builder, CreateVector3(builder, *forward))
    return _finish(builder, FB.AvatarKinematicEnd(builder), b"avki")


_STATES = {"enter": 1, "stay": 2, "exit": 3}


def collision_output(collider: int, collidee: int, state: str, relative_velocity: Tuple[float, float, float],
                     impulse: Tuple[float, float, float]) -> bytes:
    """A `coll` output: two objects touching (no contact points)."""
    from tdw.FBOutput import Collision as FB
    from tdw.FBOutput.Vector3 import CreateVector3

    builder = flatbuffers.Builder(256)
    FB.CollisionStartContactsVector(builder, 0)
    contacts = builder.EndVector(0)
    FB.CollisionStart(builder)
    FB.CollisionAddColliderId(builder, collider)
    FB.CollisionAddCollideeId(builder, collidee)
    FB.CollisionAddRelativeVelocity(builder, CreateVector3(builder, *relative_velocity))
    FB.CollisionAddImpulse(builder, CreateVector3(builder, *impulse))
    FB.CollisionAddState(builder, _STATES[state])
    FB.CollisionAddContacts(builder, contacts)
    return _finish(builder, FB.CollisionEnd(builder), b"coll")


def environment_collision_output(object_id: int, state: str, floor: bool) -> bytes:
    """An `enco` output: an object touching the scene (the floor)."""
    from tdw.FBOutput import EnvironmentCollision as FB

    builder = flatbuffers.Builder(128)
    FB.EnvironmentCollisionStartContactsVector(builder, 0)
    contacts = builder.EndVector(0)
    FB.EnvironmentCollisionStart(builder)
    FB.EnvironmentCollisionAddObjectId(builder, object_id)
    FB.EnvironmentCollisionAddState(builder, _STATES[state])
    FB.EnvironmentCollisionAddContacts(builder, contacts)
    FB.EnvironmentCollisionAddFloor(builder, floor)
    return _finish(builder, FB.EnvironmentCollisionEnd(builder), b"enco")
