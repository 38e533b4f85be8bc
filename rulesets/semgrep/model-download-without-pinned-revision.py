import argparse

from datasets import load_dataset
from huggingface_hub import hf_hub_download, snapshot_download
from transformers import AutoModelForSequenceClassification, AutoTokenizer, pipeline

SENTIMENT = "cardiffnlp/twitter-roberta-base-sentiment"


def sentiment_model():
    # ruleid: model-download-without-pinned-revision
    tokenizer = AutoTokenizer.from_pretrained(SENTIMENT)
    # ruleid: model-download-without-pinned-revision
    model = AutoModelForSequenceClassification.from_pretrained(SENTIMENT, revision="main")
    return tokenizer, model


def fetch_weights() -> str:
    # ruleid: model-download-without-pinned-revision
    return hf_hub_download(repo_id="Qwen/Qwen2.5-7B-Instruct-GGUF", filename="qwen2.5-7b-instruct-q4_k_m.gguf")


def training_data():
    # ruleid: model-download-without-pinned-revision
    return load_dataset("tatsu-lab/alpaca", split="train")


def summariser():
    # ruleid: model-download-without-pinned-revision
    return pipeline("summarization", model="facebook/bart-large-cnn")


def pinned() -> str:
    # ok: model-download-without-pinned-revision
    return snapshot_download("Qwen/Qwen2.5-0.5B-Instruct", revision="7ae557604adf67be50417f59c2c2f167def9a775")


def from_cli(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument("--revision", required=True)
    args = parser.parse_args(argv)
    # ok: model-download-without-pinned-revision
    return AutoModelForSequenceClassification.from_pretrained(SENTIMENT, revision=args.revision)


def local_model():
    # ok: model-download-without-pinned-revision
    return AutoModelForSequenceClassification.from_pretrained("./artifacts/sentiment-finetuned")


def builtin_dataset():
    # ok: model-download-without-pinned-revision
    return load_dataset("csv", data_files="reviews.csv")
