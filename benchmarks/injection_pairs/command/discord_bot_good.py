import subprocess

import discord

client = discord.Client(intents=discord.Intents.default())


@client.event
async def on_message(message):
    if message.content.startswith("!uptime "):
        service = message.content.split(" ", 1)[1]
        result = subprocess.run(["systemctl", "status", "--", service], capture_output=True, text=True)
        await message.channel.send(result.stdout[:1900])
