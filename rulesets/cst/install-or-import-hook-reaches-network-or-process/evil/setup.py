from setuptools import setup
from setuptools.command.develop import develop

from _hooks import post_install


class Develop(develop):
    def run(self):
        develop.run(self)
        # ruleid: install-or-import-hook-reaches-network-or-process
        post_install()


setup(name="evil", cmdclass={"develop": Develop})
