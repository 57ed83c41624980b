#!/usr/bin/env bash
# Whole-process start-time comparison (issue 15): `esp-ota partitions gen` vs ESP-IDF v5.5.5's
# gen_esp32part.py, and `esp-ota image info` vs esptool v4.8.1's `esptool.py image_info`, on the same
# files, >= 10 timed runs each (after 2 warm-ups), printing medians and the ratio esp-ota / Python.
#
#   bench/start-time/run.sh [--runs N] [--aot] [--esp-ota [LABEL=]PATH]...
#
# The Python tools are taken from the ESP-IDF and esptool mirrors at run time into a temp folder and
# never committed. esptool needs pyserial and intelhex (Debian: python3-serial python3-intelhex);
# without them only the partition-table comparison runs, and the script says so.
set -euo pipefail
cd "$(dirname "$0")/../.."

runs=20
aot=0
declare -a extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs=$2; shift 2 ;;
    --aot) aot=1; shift ;;
    --esp-ota) extra+=("$2"); shift 2 ;;
    *) echo "usage: $0 [--runs N] [--aot] [--esp-ota PATH]..." >&2; exit 2 ;;
  esac
done
[ "$runs" -ge 10 ] || { echo "--runs must be at least 10" >&2; exit 2; }

idf=${ESP_IDF_MIRROR:-/work/.mirror/espressif+esp-idf/repo}
esptool_repo=${ESPTOOL_MIRROR:-/work/.mirror/espressif+esptool/repo}
work=$(mktemp -d /tmp/esp-ota-start-time.XXXXXX)
trap 'rm -rf "$work"' EXIT

echo "building esp-ota (framework-dependent, Release)..." >&2
dotnet publish src/EspOta.Cli -c Release -o "$work/jit" -p:UseAppHost=true >/dev/null
declare -a tools=("jit=$work/jit/esp-ota")
if [ "$aot" = 1 ]; then
  echo "publishing esp-ota native AOT..." >&2
  dotnet publish src/EspOta.Cli -c Release -r linux-x64 -p:PublishAot=true -o "$work/aot" >/dev/null
  tools+=("aot=$work/aot/esp-ota")
fi
for t in "${extra[@]}"; do case "$t" in *=*) tools+=("$t") ;; *) tools+=("given=$t") ;; esac; done

git -C "$idf" show v5.5.5:components/partition_table/gen_esp32part.py > "$work/gen_esp32part.py"
mkdir -p "$work/esptool"
git -C "$esptool_repo" archive v4.8.1 | tar -x -C "$work/esptool"

# Inputs: a typical OTA table and a 256 KiB app image built by esp-ota (valid, with app description).
cat > "$work/partitions.csv" <<'CSV'
# Name,   Type, SubType, Offset,   Size, Flags
nvs,      data, nvs,     0x9000,   0x4000,
otadata,  data, ota,     0xd000,   0x2000,
phy_init, data, phy,     0xf000,   0x1000,
factory,  app,  factory, 0x10000,  1M,
ota_0,    app,  ota_0,   0x110000, 1M,
ota_1,    app,  ota_1,   0x210000, 1M,
CSV
"$work/jit/esp-ota" image build --chip esp32 --project bench --version 1.0.0 --payload 256K -o "$work/app.bin" >/dev/null

# Which Python has esptool's imports (pyenv's may not see Debian's dist-packages).
esptool_python=""
for py in python3 /usr/bin/python3; do
  if command -v "$py" >/dev/null && "$py" -c "import serial, intelhex" 2>/dev/null; then esptool_python=$py; break; fi
done
gen_python=python3

python3 - "$runs" "$work" "$gen_python" "$esptool_python" "${tools[@]}" <<'PY'
import statistics, subprocess, sys, time
runs, work, gen_py, esptool_py, tools = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5:]

def timed(argv):
    subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)  # also a warm-up
    subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    samples = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        samples.append((time.perf_counter() - t) * 1000)
    return statistics.median(samples), min(samples)

csv, app = f"{work}/partitions.csv", f"{work}/app.bin"
cases = [("partitions gen", [gen_py, f"{work}/gen_esp32part.py", csv, f"{work}/py.bin"], "gen_esp32part.py",
          lambda exe: [exe, "partitions", "gen", csv, f"{work}/cs.bin"])]
if esptool_py:
    cases.append(("image info", [esptool_py, f"{work}/esptool/esptool.py", "image_info", "--version", "2", app], "esptool.py image_info",
                  lambda exe: [exe, "image", "info", app]))
else:
    print("esptool.py image_info: skipped — pyserial/intelhex are not importable (apt-get install python3-serial python3-intelhex)")

print(f"{runs} runs each (after 2 warm-ups), whole processes, median (min) in ms; ratio = esp-ota / Python (lower is faster)")
for name, py_argv, py_name, ours in cases:
    py_med, py_min = timed(py_argv)
    print(f"{name:15} {py_name:24} {py_med:8.1f} ({py_min:.1f})")
    for tool in tools:
        label, exe = tool.split("=", 1)
        med, mn = timed(ours(exe))
        print(f"{name:15} esp-ota {label:16} {med:8.1f} ({mn:.1f})   ratio {med / py_med:.2f}")
PY
