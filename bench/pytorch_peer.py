"""The peer a Python user would pick: torchvision's MobileNetV2 at the same width (0.35) and input size,
random weights (speed only), traced and optimised for inference on the CPU. Prints images/s as JSON.
Run by bench/peer.ts with Debian's python3 (apt-get install python3-torch python3-torchvision)."""
import json
import sys
import time

import torch
import torchvision

threads = int(sys.argv[1]) if len(sys.argv) > 1 else 2
batch = int(sys.argv[2]) if len(sys.argv) > 2 else 8
torch.set_num_threads(threads)
torch.manual_seed(0)
model = torchvision.models.mobilenet_v2(width_mult=0.35, num_classes=1000).eval()
features = torch.nn.Sequential(model.features, torch.nn.AdaptiveAvgPool2d(1), torch.nn.Flatten())
x = torch.rand(batch, 3, 224, 224)
with torch.no_grad():
    traced = torch.jit.optimize_for_inference(torch.jit.trace(features, x))
    for _ in range(3):
        traced(x)
    rates = []
    for _ in range(3):
        start = time.perf_counter()
        runs = 10
        for _ in range(runs):
            traced(x)
        rates.append(runs * batch / (time.perf_counter() - start))
rates.sort()
print(json.dumps({"imagesPerSecond": rates[1], "threads": threads, "batch": batch, "torch": torch.__version__, "features": int(traced(x).shape[1])}))
