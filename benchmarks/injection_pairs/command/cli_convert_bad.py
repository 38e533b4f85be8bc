import subprocess
import sys


def main() -> None:
    source, target = sys.argv[1], sys.argv[2]
    subprocess.run(f"ffmpeg -i {source} -vn {target}", shell=True, check=True)


if __name__ == "__main__":
    main()
