from tests.golden import write_all

if __name__ == "__main__":
    files = write_all()
    print(f"wrote {len(files)} golden SQL files under tests/golden/")
