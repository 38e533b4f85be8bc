from slack_bolt import App

app = App()


@app.command("/runbook")
def show_runbook(ack, command, respond):
    ack()
    page = command["text"].strip()
    with open(f"/srv/runbooks/{page}.md", encoding="utf-8") as handle:
        respond(handle.read())
