import os

import discord

client = discord.Client(intents=discord.Intents.default())


@client.event
async def on_message(message):
    if message.content.startswith("!uptime "):
        service = message.content.split(" ", 1)[1]
        output = os.popen("systemctl status " + service).read()
        await message.channel.send(output[:1900])
