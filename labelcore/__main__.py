from labelcore.cli import run

run()
