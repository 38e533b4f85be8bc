from fastapi import FastAPI, UploadFile
from lxml import etree

api = FastAPI()


@api.post("/sitemaps")
async def upload_sitemap(file: UploadFile):
    root = etree.fromstring(await file.read())
    return {"urls": len(root)}
