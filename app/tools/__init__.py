"""Commands that turn files TDW already wrote into videos: `stitch` (ImageCapture folders) and `convert`
(the headless Docker route's .nut), the seed document's other halves."""
