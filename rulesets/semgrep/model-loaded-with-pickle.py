import torch
from safetensors.torch import load_file


def load_adapter(path: str):
    # ruleid: model-loaded-with-pickle
    return torch.load(path, map_location="cpu", weights_only=False)


def resume(model, checkpoint_path: str):
    # ruleid: model-loaded-with-pickle
    checkpoint = torch.load(checkpoint_path)
    model.load_state_dict(checkpoint["model"])
    return checkpoint["epoch"]


def load_weights(model, path: str):
    # ok: model-loaded-with-pickle
    model.load_state_dict(torch.load(path, map_location="cpu", weights_only=True))


def load_safetensors(model, path: str):
    # ok: model-loaded-with-pickle
    model.load_state_dict(load_file(path))
