# hvdbg.py: make GDB's disassembly follow the mode of the guest CPU.
#
# hvdbg shows GDB one x86-64 register layout for the whole session, so GDB
# decodes every instruction as 64-bit code, even in real mode, and GDB
# refuses `set architecture i8086' against that target description.  This
# script registers a Python disassembler (GDB 13 or later) that looks at
# the stopped vCPU each time GDB asks for an instruction and decodes
#
#   16-bit code  real mode, virtual-8086 mode, or a code segment with D=0,
#   32-bit code  a code segment with D=1 outside 64-bit mode,
#   64-bit code  long mode with CS.L=1: GDB's own disassembler does it.
#
# GDB's own disassembler decodes for the session's architecture only (GDB
# 13 has no x86 disassembler options), so 16- and 32-bit code goes through
# GNU objdump instead: one run decodes a window of guest memory and every
# instruction found is remembered, keyed by its address, the mode and the
# bytes it was decoded from, so `x/20i' costs one objdump run ($OBJDUMP
# names another objdump).
#
#   source PKGDATADIR/hvdbg.py		(or gdb -x PKGDATADIR/hvdbg.py;
#					 PKGDATADIR: /usr/local/share/hvdbg
#					 by default)
#   hvdbg-mode				the mode decided on, and why
#   set hvdbg-disassembly auto|16|32|64	force a mode (auto: follow the CPU)
#
# A target without $cr0 (not hvdbg) keeps GDB's disassembler unless a mode
# is forced.

import atexit
import os
import re
import shutil
import subprocess
import tempfile

import gdb

try:
    import gdb.disassembler
except ImportError:
    gdb.disassembler = None

# The architecture hvdbg reports, and the others whose code can be x86.
HVDBG_ARCHES = ("i386:x86-64", "i386", "i386:intel", "i386:x86-64:intel")

CR0_PE = 1 << 0
EFLAGS_VM = 1 << 17
EFER_LMA = 1 << 10
ATTR_L = 1 << 13		# segment attribute words as hvdbg shows them
ATTR_DB = 1 << 14		# (gdbstub/x86/x86.h)

# Bytes one instruction can span, and how much objdump sees at once.
INSN_MAX = 16
WINDOW = 256
CACHE_MAX = 8192

OBJDUMP_MACHINE = {16: "i8086", 32: "i386"}

# "   7c02:\tb8 34 12      \tmov    $0x1234,%ax"
LINE_RE = re.compile(r"^\s*[0-9a-f]+:\t([0-9a-f]{2}(?: [0-9a-f]{2})*)\s*\t(.*)$")
# Relative branches, whose target GDB would follow with <symbol+offset>.
BRANCH_RE = re.compile(r"^((?:(?:bnd|notrack|data16|data32|addr16|addr32)\s+)*"
                       r"(?:j[a-z]+|call[wl]?|loop[a-z]*|xbegin[wl]?)\s+)"
                       r"(0x[0-9a-f]+)$")


class ModeParameter(gdb.Parameter):
    """Decode guest code as 16-, 32- or 64-bit code regardless of the CPU.
auto (the default) follows the mode of the stopped vCPU: CR0.PE, EFLAGS.VM,
EFER.LMA and the L and D bits of CS."""

    set_doc = "Set the mode hvdbg's disassembler decodes guest code in."
    show_doc = "Show the mode hvdbg's disassembler decodes guest code in."

    def __init__(self):
        super().__init__("hvdbg-disassembly", gdb.COMMAND_DATA,
                         gdb.PARAM_ENUM, ["auto", "16", "32", "64"])
        self.value = "auto"

    def get_set_string(self):
        return ""

    def get_show_string(self, svalue):
        if svalue == "auto":
            return "hvdbg disassembles guest code in the vCPU's mode (auto)."
        return "hvdbg disassembles guest code as %s-bit code." % svalue


def cpu_mode():
    """The mode the selected thread's CPU executes code in.
    Returns: a pair (BITS, WHY): BITS is 16, 32 or 64, or None when the
    target is not hvdbg (no $cr0) or has no registers; WHY says why."""
    try:
        frame = gdb.newest_frame()
        cr0 = int(frame.read_register("cr0"))
        efer = int(frame.read_register("efer"))
        attr = int(frame.read_register("cs_attr"))
        eflags = int(frame.read_register("eflags"))
    except (gdb.error, ValueError, RuntimeError) as e:
        return None, "no hvdbg registers (%s)" % e
    if not cr0 & CR0_PE:
        return 16, "real mode: CR0.PE=0"
    if efer & EFER_LMA:
        if attr & ATTR_L:
            return 64, "long mode: EFER.LMA=1, CS.L=1"
        if attr & ATTR_DB:
            return 32, "compatibility mode: EFER.LMA=1, CS.L=0, CS.D=1"
        return 16, "compatibility mode: EFER.LMA=1, CS.L=0, CS.D=0"
    if eflags & EFLAGS_VM:
        return 16, "virtual-8086 mode: EFLAGS.VM=1"
    if attr & ATTR_DB:
        return 32, "protected mode: CS.D=1"
    return 16, "protected mode: CS.D=0"


def decided_mode():
    """The mode the disassembler uses now: the forced one or the CPU's.
    Returns: a pair (BITS, WHY) as cpu_mode does."""
    bits, why = cpu_mode()
    forced = MODE_PARAM.value
    if forced == "auto":
        return bits, why
    if bits is None:
        return int(forced), "forced by set hvdbg-disassembly %s" % forced
    return int(forced), ("forced by set hvdbg-disassembly %s; the CPU runs "
                         "%d-bit code (%s)" % (forced, bits, why))


class ObjdumpError(Exception):
    pass


class Objdump:
    """Decodes byte strings with GNU objdump.  Results are kept per
    (address, bits, flavor, bytes), so code rewritten in place is decoded
    again."""

    def __init__(self):
        self.program = shutil.which(os.environ.get("OBJDUMP", "objdump"))
        self.cache = {}
        self.tmpdir = None

    def lookup(self, address, bits, flavor, code):
        return self.cache.get((address, bits, flavor, code))

    def decode(self, address, bits, flavor, window):
        """Decode WINDOW, bytes at ADDRESS, and remember every instruction
        in it that is followed by INSN_MAX bytes (so that its key is the
        one a later lookup at that address builds), and the first one
        anyway."""
        if self.program is None:
            raise ObjdumpError("objdump not found")
        if self.tmpdir is None:
            self.tmpdir = tempfile.mkdtemp(prefix="hvdbg-gdb.")
        path = os.path.join(self.tmpdir, "code.bin")
        with open(path, "wb") as f:
            f.write(window)
        cmd = [self.program, "-D", "-z", "-b", "binary",
               "-m", OBJDUMP_MACHINE[bits], "--insn-width=%d" % INSN_MAX,
               "--adjust-vma=%#x" % (address & 0xffffffff), path]
        if flavor == "intel":
            cmd[1:1] = ["-M", "intel"]
        try:
            out = subprocess.run(cmd, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, check=True,
                                 text=True).stdout
        except (OSError, subprocess.CalledProcessError) as e:
            raise ObjdumpError(str(e))
        if len(self.cache) > CACHE_MAX:
            self.cache.clear()
        # The address column is not trusted: objdump drops digits from
        # it near the top of the address space.  Instructions follow each
        # other from the start of the window.
        first = None
        off = 0
        for line in out.splitlines():
            m = LINE_RE.match(line)
            if m is None:
                continue
            length = len(m.group(1).split())
            text = m.group(2).rstrip()
            if off + length > len(window):
                break
            if off == 0:
                first = (length, text)
                key = window[:INSN_MAX]
            elif off + INSN_MAX <= len(window):
                key = window[off:off + INSN_MAX]
            else:
                break
            self.cache[(address + off, bits, flavor, key)] = (length, text)
            off += length
        if first is None:
            raise ObjdumpError("no instruction in objdump's output")
        return first

    def close(self):
        if self.tmpdir is not None:
            shutil.rmtree(self.tmpdir, ignore_errors=True)
            self.tmpdir = None


def read_code(info, length):
    """Up to LENGTH bytes at the instruction, fewer where readable memory
    ends.  Returns: bytes; raises gdb.MemoryError when none can be read."""
    try:
        return bytes(info.read_memory(length, 0))
    except gdb.MemoryError:
        pass
    got = b""
    for off in range(length):
        try:
            got += bytes(info.read_memory(1, off))
        except gdb.MemoryError:
            if off == 0:
                raise
            break
    return got


def with_symbol(text, info):
    """Show a branch target as GDB does, with <symbol+offset>."""
    m = BRANCH_RE.match(text)
    if m is None:
        return text
    target = int(m.group(2), 16)
    try:
        where = gdb.format_address(target, info.progspace, info.architecture)
    except (gdb.error, TypeError, ValueError):
        return text
    return m.group(1) + where


class ModeDisassembler(gdb.disassembler.Disassembler if gdb.disassembler
                       else object):
    """Decodes 16- and 32-bit code with objdump and leaves 64-bit code, and
    targets that are not hvdbg, to the disassembler it replaced or GDB's."""

    def __init__(self):
        super().__init__("hvdbg")
        self.objdump = Objdump()
        self.previous = {}
        self.warned = False

    def fallback(self, info):
        previous = self.previous.get(info.architecture.name())
        if previous is not None:
            return previous(info)
        return None

    def __call__(self, info):
        bits, _ = decided_mode()
        if bits is None or bits == 64:
            return self.fallback(info)
        flavor = gdb.parameter("disassembly-flavor")
        code = read_code(info, INSN_MAX)
        hit = self.objdump.lookup(info.address, bits, flavor, code)
        if hit is None:
            window = code
            if len(code) == INSN_MAX:
                try:
                    window = bytes(info.read_memory(WINDOW, 0))
                except gdb.MemoryError:
                    pass
            try:
                hit = self.objdump.decode(info.address, bits, flavor, window)
            except ObjdumpError as e:
                if not self.warned:
                    self.warned = True
                    gdb.write("hvdbg: cannot decode %d-bit code (%s); "
                              "showing GDB's 64-bit disassembly\n" % (bits, e),
                              gdb.STDERR)
                return self.fallback(info)
        length, text = hit
        return gdb.disassembler.DisassemblerResult(length, with_symbol(text, info))


class ModeCommand(gdb.Command):
    """Show the mode hvdbg's disassembler decodes guest code in, and why.
The mode follows the stopped vCPU unless `set hvdbg-disassembly' forces one."""

    def __init__(self):
        super().__init__("hvdbg-mode", gdb.COMMAND_STATUS, gdb.COMPLETE_NONE)

    def invoke(self, arg, from_tty):
        if arg.strip():
            raise gdb.GdbError("hvdbg-mode takes no arguments")
        bits, why = decided_mode()
        if gdb.disassembler is None:
            gdb.write("GDB's own disassembler: this GDB has no Python "
                      "disassembler API (GDB 13 or later needed)\n")
        elif bits is None:
            gdb.write("GDB's own disassembler: %s\n" % why)
        elif bits == 64:
            gdb.write("64-bit (%s), by GDB's own disassembler\n" % why)
        else:
            gdb.write("%d-bit (%s)\n" % (bits, why))


def install():
    if gdb.disassembler is None:
        gdb.write("hvdbg: this GDB has no gdb.disassembler (GDB 13 or later "
                  "needed); disassembly stays 64-bit\n", gdb.STDERR)
        return
    disassembler = ModeDisassembler()
    for arch in HVDBG_ARCHES:
        old = gdb.disassembler.register_disassembler(disassembler, arch)
        # Sourcing this file again replaces our own, not someone else's.
        if old is not None and getattr(old, "name", None) != "hvdbg":
            disassembler.previous[arch] = old
        elif old is not None:
            disassembler.previous[arch] = old.previous.get(arch)
            old.objdump.close()
    atexit.register(disassembler.objdump.close)


MODE_PARAM = ModeParameter()
ModeCommand()
install()
