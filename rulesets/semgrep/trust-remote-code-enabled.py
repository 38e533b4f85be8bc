import subprocess

import torch
from datasets import load_dataset
from sentence_transformers import SentenceTransformer
from transformers import AutoModelForCausalLM, AutoTokenizer, pipeline
from vllm import LLM

MODEL_ID = "Qwen/Qwen-7B-Chat"
REVIEWED = "8d24619bab456ea5abe2823c1d05fc5edec19174"


def load_chat_model():
    # ruleid: trust-remote-code-enabled
    tokenizer = AutoTokenizer.from_pretrained(MODEL_ID, trust_remote_code=True)
    # ruleid: trust-remote-code-enabled
    model = AutoModelForCausalLM.from_pretrained(MODEL_ID, device_map="auto", torch_dtype=torch.bfloat16, trust_remote_code=True)
    return tokenizer, model


def load_embedder():
    # ruleid: trust-remote-code-enabled
    return SentenceTransformer("jinaai/jina-embeddings-v3", trust_remote_code=True)


def chat_pipeline():
    # ruleid: trust-remote-code-enabled
    return pipeline("text-generation", model="deepseek-ai/deepseek-coder-6.7b-instruct", model_kwargs={"trust_remote_code": True})


def serve() -> None:
    # ruleid: trust-remote-code-enabled
    subprocess.run(["vllm", "serve", "internlm/internlm2_5-7b-chat", "--trust-remote-code"], check=True)


def offline_engine():
    # ruleid: trust-remote-code-enabled
    return LLM(model="deepseek-ai/DeepSeek-V2-Lite-Chat", trust_remote_code=True, max_model_len=8192)


def load_pinned():
    # ok: trust-remote-code-enabled
    return AutoModelForCausalLM.from_pretrained(MODEL_ID, trust_remote_code=True, revision=REVIEWED)


def load_native():
    # ok: trust-remote-code-enabled
    return AutoModelForCausalLM.from_pretrained("Qwen/Qwen2.5-7B-Instruct", revision=REVIEWED)


def load_local_checkpoint():
    # ok: trust-remote-code-enabled
    return AutoModelForCausalLM.from_pretrained("./checkpoints/qwen-finetuned", trust_remote_code=True)


def load_reviews():
    # ok: trust-remote-code-enabled
    return load_dataset("imdb", split="train", trust_remote_code=False)
