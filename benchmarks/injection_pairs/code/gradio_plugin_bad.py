import importlib

import gradio as gr


def run_plugin(plugin_name, text):
    module = importlib.import_module(plugin_name)
    return module.transform(text)


demo = gr.Interface(fn=run_plugin, inputs=[gr.Textbox(label="plugin"), gr.Textbox(label="text")], outputs="text")
demo.launch()
