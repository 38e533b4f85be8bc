from openai import OpenAI


def _summarise(text):
    out = OpenAI().chat.completions.create(model="m", messages=[{"role": "user", "content": text}])
    return out.choices[0].message.content


def write_summary(text):
    with open("SUMMARY.md", "w") as fh:
        fh.write(_summarise(text))
