"""The peer a Python user would pick: torchvision's MobileNetV2, random weights (speed only), fp32 on the CPU.
Run by bench/peer.ts with Debian's python3 (apt-get install python3-torch python3-torchvision). Prints JSON.

  pytorch_peer.py infer THREADS BATCH WIDTH   inference alone on a fixed batch (traced, optimised for inference)
  pytorch_peer.py e2e THREADS WIDTH DIR…      end to end on every photo under DIR…: a DataLoader with 2 worker
                                              processes decodes (PIL), resizes the shorter side to 256, crops the
                                              centre 224 and normalises; the main process runs the network
                                              (traced, optimised for inference) on batches of 16
  pytorch_peer.py export WIDTH FILE           writes the fp32 feature extractor (features + average pool) as ONNX
"""
import json
import os
import resource
import sys
import time

import torch
import torchvision
from torchvision import transforms
from torchvision.datasets.folder import default_loader

IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".bmp", ".gif", ".webp")


def feature_extractor(width):
    torch.manual_seed(0)
    model = torchvision.models.mobilenet_v2(width_mult=width, num_classes=1000).eval()
    return torch.nn.Sequential(model.features, torch.nn.AdaptiveAvgPool2d(1), torch.nn.Flatten())


def traced(width, batch):
    x = torch.rand(batch, 3, 224, 224)
    with torch.no_grad():
        return torch.jit.optimize_for_inference(torch.jit.trace(feature_extractor(width), x))


def infer(threads, batch, width):
    torch.set_num_threads(threads)
    x = torch.rand(batch, 3, 224, 224)
    model = traced(width, batch)
    with torch.no_grad():
        for _ in range(3):
            model(x)
        rates = []
        for _ in range(3):
            start = time.perf_counter()
            runs = 10
            for _ in range(runs):
                model(x)
            rates.append(runs * batch / (time.perf_counter() - start))
    rates.sort()
    return {"imagesPerSecond": rates[1], "threads": threads, "batch": batch, "width": width, "torch": torch.__version__, "features": int(model(x).shape[1])}


class Photos(torch.utils.data.Dataset):
    def __init__(self, files):
        self.files = files
        self.transform = transforms.Compose([
            transforms.Resize(256),
            transforms.CenterCrop(224),
            transforms.ToTensor(),
            transforms.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225]),
        ])

    def __len__(self):
        return len(self.files)

    def __getitem__(self, i):
        return self.transform(default_loader(self.files[i]))


def cpu_seconds():
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def e2e(threads, width, dirs):
    torch.set_num_threads(threads)
    files = sorted(os.path.join(root, f) for d in dirs for root, _, names in os.walk(d) for f in names if f.lower().endswith(IMAGE_EXTENSIONS))
    batch = 16
    model = traced(width, batch)
    with torch.no_grad():
        for _ in range(2):
            model(torch.rand(batch, 3, 224, 224))
    loader = torch.utils.data.DataLoader(Photos(files), batch_size=batch, num_workers=2, shuffle=False)
    count, first = 0, None
    cpu_before = cpu_seconds()
    start = time.perf_counter()
    with torch.no_grad():
        for x in loader:
            features = model(x)
            count += features.shape[0]
            if first is None:
                first = (time.perf_counter(), features.shape[0])
    end = time.perf_counter()
    # The DataLoader's worker processes have exited and been waited for: RUSAGE_CHILDREN holds their CPU time.
    cpu = cpu_seconds() - cpu_before
    return {
        "images": count,
        "imagesPerSecond": count / (end - start),
        "steadyImagesPerSecond": (count - first[1]) / (end - first[0]),
        "cpuSecondsPerImage": cpu / count,
        "threads": threads,
        "loaderWorkers": 2,
        "batch": batch,
        "width": width,
        "torch": torch.__version__,
        "torchvision": torchvision.__version__,
    }


def export(width, file):
    x = torch.rand(1, 3, 224, 224)
    torch.onnx.export(feature_extractor(width), x, file, input_names=["input"], output_names=["pooled"],
                      dynamic_axes={"input": {0: "n"}, "pooled": {0: "n"}}, opset_version=12)
    return {"file": file, "width": width, "torch": torch.__version__}


mode = sys.argv[1] if len(sys.argv) > 1 else "infer"
if mode == "e2e":
    result = e2e(int(sys.argv[2]), float(sys.argv[3]), sys.argv[4:])
elif mode == "export":
    result = export(float(sys.argv[2]), sys.argv[3])
else:
    args = sys.argv[2:] if mode == "infer" else sys.argv[1:]
    result = infer(int(args[0]) if args else 2, int(args[1]) if len(args) > 1 else 8, float(args[2]) if len(args) > 2 else 0.35)
print(json.dumps(result))
