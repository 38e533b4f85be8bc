import importlib

import gradio as gr

PLUGINS = {"upper": "plugins.upper", "rot13": "plugins.rot13"}


def run_plugin(plugin_name, text):
    module = importlib.import_module(PLUGINS[plugin_name])
    return module.transform(text)


demo = gr.Interface(fn=run_plugin, inputs=[gr.Dropdown(list(PLUGINS), label="plugin"), gr.Textbox(label="text")],
                    outputs="text")
demo.launch()
