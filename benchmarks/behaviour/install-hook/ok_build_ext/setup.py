import os
import subprocess

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext


class CMakeBuild(build_ext):
    def build_extension(self, ext):
        self._cmake(ext)

    def _cmake(self, ext):
        os.makedirs(self.build_temp, exist_ok=True)
        subprocess.check_call(["cmake", ext.sourcedir, "-DCMAKE_BUILD_TYPE=Release"], cwd=self.build_temp)
        subprocess.check_call(["cmake", "--build", "."], cwd=self.build_temp)


setup(name="fastlib", ext_modules=[Extension("fastlib", [])], cmdclass={"build_ext": CMakeBuild})
