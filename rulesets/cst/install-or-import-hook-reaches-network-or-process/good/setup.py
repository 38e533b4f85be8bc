from setuptools import setup
from setuptools.command.sdist import sdist

from _version import git_version


class Sdist(sdist):
    def run(self):
        # ok: install-or-import-hook-reaches-network-or-process
        self.distribution.metadata.version = git_version()
        sdist.run(self)


setup(name="good", cmdclass={"sdist": Sdist})
