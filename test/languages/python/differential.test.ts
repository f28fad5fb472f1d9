/**
 * Python, differentially: each program runs under the reference interpreter (`python3.11 program.py`,
 * Debian's python3.11 in CI) and in Kiln (the component engine, in process); stdout must be the same
 * bytes, and both must succeed, or both fail where the program raises.
 */
import { describe, expect, it } from "vitest";
import { hasInterpreter, runNative, useKiln } from "../../helpers/differential.ts";
import { job } from "../../helpers/fixtures.ts";

/** [what, program, python3.11's exit status if the program fails (Kiln must fail it too)] */
type Program = [string, string, number?];

const programs: Program[] = [
  ["float printing", `print(0.1 + 0.2, 1e16, 1e15, -0.0, float("inf"), -float("inf"), float("nan"), 1e-7, 2.5e-5)
print(repr(0.1 + 0.2), str(1 / 3), 123456789.123456789, 1.0, 100.0, 1e22, 1e300 * 1e10, 5e-324)
print(round(2.675, 2), round(0.5), round(1.5), round(-2.5), int(-3.9), float("1_000.5"), (0.1).hex())`],
  ["repr and str", `x = ["a", 'b"c', "d'e", "\\n\\t\\x00", "é€😀", b"\\x00\\xff", 1j, 2 + 3j, None, True, (1,), ()]
print(x)
for v in x:
    print(str(v), repr(v), ascii(v))`],
  ["f-strings with format specs", `n, f, s = 1234567, 3.14159265, "kiln"
print(f"{n:,} {n:_} {n:>12} {n:<12}| {n:^12}| {n:+d} {n:x} {n:#o} {n:#b} {n:e}")
print(f"{f:.2f} {f:10.3f} {f:<10.1f}| {f:e} {f:.3g} {f:%} {-f:+.1f} {f!r} {s!r:>8} {s:*^10}")
print(f"{0.000012345:g} {12345678901234567890:g} {1e100:.3e} {255:08X} {'x'!a} {n=} {f = :.1f}")`],
  ["% formatting", `print("%d %5d %-5d| %05d %x %X %o %e %.3f %10.4f %s %r %%" % (42, 42, 42, 42, 255, 255, 8, 12345.678, 3.14159, 2.71828, "s", "r"))
print("%(a)s and %(b)04d" % {"a": "A", "b": 7}, "%c%c" % (75, "i"), "%.2s" % "kiln", "%+g" % 1e-10)`],
  ["big integers", `a = 2 ** 200
print(a, -a, a * a, a // 7, a % 1000007, pow(3, 200, 10 ** 9 + 7), a.bit_length(), (-a).bit_length())
import math
print(math.factorial(50), math.comb(100, 50), hex(a), int("9" * 100) + 1, str(10 ** 4299)[:5], len(str(10 ** 4299)))
print((10 ** 30).to_bytes(13, "big"), int.from_bytes(b"\\xff\\x00", "little", signed=True), 7 ** -2)`],
  ["division and divmod of negatives", `for a, b in [(7, 2), (-7, 2), (7, -2), (-7, -2), (7.5, 2), (-7.5, 2), (-0.0, 1)]:
    print(a, b, a // b, a % b, divmod(a, b), a / b)
import math
print(math.fmod(-7, 2), -7 % 2.0, round(-0.5), -(2 ** 63) // 3, (-2) ** 0.5)`],
  ["string methods", `s = "  Hello, Kiln World!  "
print(s.strip(), s.lstrip(), s.rstrip(), s.lower(), s.upper(), s.title(), s.swapcase(), s.casefold())
print(s.split(), s.split(","), s.rsplit(" ", 2), s.partition(","), "a,b,,c".split(","), "a\\nb\\r\\nc".splitlines(True))
print(s.find("Kiln"), s.rfind("l"), s.count("l"), s.replace("l", "L", 2), s.center(30, "*"), s.zfill(5), "42".zfill(5))
print("x".join(["a", "b", "c"]), "abc".startswith(("x", "a")), "ß".upper(), "İ".lower(), "ǅ".title(), "abc"[::-1], "abcdef"[1:5:2])
print("Hello {} {name}".format(1, name="n"), "tab\\tbed".expandtabs(4), "é".encode(), "straße".encode("latin-1"), "%s" % "x".isidentifier())`],
  ["bytes and bytearray", `b = bytes(range(0, 256, 17))
print(b, b.hex(), b.hex(":"), bytes.fromhex("de ad be ef"), b[2], b[1:3], list(b[:3]), b"abc" * 2, b"a,b".split(b","))
ba = bytearray(b"hello")
ba[0] = 72
ba.extend(b" world")
ba += b"!"
print(ba, len(ba), ba.upper(), bytes(ba).decode(), ba.find(b"o"), memoryview(ba)[1:3].tobytes(), bytes(3), b"%d-%s" % (5, b"x"))`],
  ["comprehensions", `print([x * x for x in range(10) if x % 2])
print({x: x ** 2 for x in range(6)}, {x % 3 for x in range(10)}, [(a, b) for a in range(3) for b in range(a)])
print(list(x for x in "abc"), [[r * c for c in range(3)] for r in range(3)], {k: v for k, v in zip("abc", range(3))})`],
  ["dict ordering and methods", `d = {"b": 1, "a": 2}
d["c"] = 3
del d["b"]
d["b"] = 4
print(d, list(d), list(d.values()), list(d.items()), d.get("z", 0), d.setdefault("e", 5), d.pop("a"), d)
print({**d, "a": 0}, d | {"z": 9}, dict.fromkeys("xyz", 0), sorted(d, key=d.get), dict(zip(range(3), "abc")), reversed(list(d)).__class__.__name__)
print({1: "a", 1.0: "b", True: "c"}, list(reversed(d.items())))`],
  ["sorted with keys", `words = ["banana", "Apple", "cherry", "apple", "Banana", "date"]
print(sorted(words), sorted(words, key=str.lower), sorted(words, key=len), sorted(words, key=lambda w: (-len(w), w), reverse=True))
print(sorted([3, 1, 2], reverse=True), min(words, key=len), max(words), sorted([(1, "b"), (1, "a"), (0, "z")]), sorted("kiln"))
people = [{"n": "x", "a": 3}, {"n": "y", "a": 1}]
import operator
print(sorted(people, key=operator.itemgetter("a")), [p["n"] for p in sorted(people, key=lambda p: p["a"])])`],
  ["generators and yield from", `def count(n):
    i = 0
    while i < n:
        got = yield i
        i += 1 if got is None else got
def chain(*its):
    for it in its:
        r = yield from it
    return "done"
g = count(10)
print(next(g), g.send(3), next(g), list(g))
c = chain(range(2), "ab")
print(list(c))
def sub():
    yield 1
    return "ret"
def outer():
    r = yield from sub()
    yield r
print(list(outer()), sum(x * x for x in range(100)), list(zip(count(3), "xyz")))`],
  ["closures and nonlocal", `def counter():
    n = 0
    def inc(by=1):
        nonlocal n
        n += by
        return n
    return inc
c = counter()
print(c(), c(), c(5))
fs = [lambda: i for i in range(3)]
gs = [lambda i=i: i for i in range(3)]
print([f() for f in fs], [g() for g in gs])
x = "global"
def scope():
    x = "enclosing"
    def inner():
        return x
    return inner()
print(scope(), x)`],
  ["decorators", `import functools
def trace(fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        print("call", fn.__name__, args, kwargs)
        return fn(*args, **kwargs)
    return wrapper
def repeat(n):
    def deco(fn):
        def w(*a):
            return [fn(*a) for _ in range(n)]
        return w
    return deco
@trace
def add(a, b=0):
    "Adds."
    return a + b
@repeat(3)
def hi(x):
    return "hi " + x
print(add(1, b=2), add.__name__, add.__doc__, add.__wrapped__(5), hi("k"))
@functools.lru_cache(maxsize=None)
def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)
print(fib(90), fib.cache_info())`],
  ["classes: repr, eq, ordering, properties", `import functools
@functools.total_ordering
class Money:
    def __init__(self, cents):
        self._cents = cents
    @property
    def cents(self):
        return self._cents
    @cents.setter
    def cents(self, v):
        if v < 0:
            raise ValueError("negative")
        self._cents = v
    def __repr__(self):
        return f"Money({self._cents})"
    def __str__(self):
        return f"\${self._cents / 100:.2f}"
    def __eq__(self, other):
        return isinstance(other, Money) and self._cents == other._cents
    def __lt__(self, other):
        return self._cents < other._cents
    def __hash__(self):
        return hash(self._cents)
    def __add__(self, other):
        return Money(self._cents + other._cents)
m = [Money(500), Money(150), Money(1000)]
print(sorted(m), max(m), str(m[0] + m[1]), Money(1) == Money(1), Money(1) <= Money(2), Money(3) >= Money(4), len({Money(1), Money(1)}))
m[0].cents = 7
print(m[0], m[0].cents)
try:
    m[0].cents = -1
except ValueError as e:
    print("ValueError", e)
class Base:
    def hello(self):
        return "base"
class Child(Base):
    def hello(self):
        return "child+" + super().hello()
print(Child().hello(), Child.__mro__, Child.__qualname__, type(Child()).__name__, isinstance(Child(), Base))`],
  ["dataclasses", `from dataclasses import dataclass, field, asdict, replace, astuple
from typing import List
@dataclass(order=True, frozen=True)
class Point:
    x: int
    y: int = 0
@dataclass
class Bag:
    name: str
    items: List[int] = field(default_factory=list)
    def total(self) -> int:
        return sum(self.items)
p = Point(1, 2)
print(p, repr(p), p == Point(1, 2), p < Point(1, 3), sorted([Point(2), Point(1, 5), Point(1, 1)]), hash(p) == hash(Point(1, 2)))
print(asdict(p), astuple(p), replace(p, y=9), Bag("b"), Bag("c", [1, 2]).total(), asdict(Bag("d", [3])))
try:
    p.x = 5
except Exception as e:
    print(type(e).__name__, e)
print(Point.__annotations__, Bag.__dataclass_fields__["items"].default_factory)`],
  ["exceptions and chaining", `class AppError(Exception):
    pass
def parse(s):
    try:
        return int(s)
    except ValueError as e:
        raise AppError(f"bad number {s!r}") from e
try:
    parse("x")
except AppError as e:
    print(repr(e), repr(e.__cause__), e.__suppress_context__, e.args)
try:
    try:
        {}["k"]
    except KeyError:
        1 / 0
except ZeroDivisionError as e:
    print(repr(e), repr(e.__context__), e.__cause__)
try:
    raise ValueError("a", 1)
except (TypeError, ValueError) as e:
    print(str(e), e.args)
finally:
    print("finally")
def f():
    try:
        return "try"
    finally:
        print("cleanup")
print(f())
try:
    raise ExceptionGroup("group", [ValueError(1), TypeError(2)])
except* ValueError as eg:
    print("values", eg.exceptions)
except* TypeError as eg:
    print("types", eg.exceptions)
e = KeyError("k")
print(str(e), repr(e), str(OSError(2, "No such file")), AttributeError("x").args, isinstance(e, LookupError))`],
  ["an uncaught exception after output", `print("before")
def fail():
    raise RuntimeError("boom") from KeyError("cause")
fail()
print("never")`, 1],
  ["sys.exit with a code", `import sys
print("bye")
sys.exit(3)`, 3],
  ["context managers", `from contextlib import contextmanager, suppress, ExitStack
class Res:
    def __init__(self, name):
        self.name = name
    def __enter__(self):
        print("enter", self.name)
        return self
    def __exit__(self, et, ev, tb):
        print("exit", self.name, et.__name__ if et else None)
        return et is KeyError
with Res("a") as a, Res("b"):
    print("body", a.name)
with Res("c"):
    raise KeyError("swallowed")
@contextmanager
def tag(name):
    print(f"<{name}>")
    try:
        yield name.upper()
    finally:
        print(f"</{name}>")
with tag("p") as t:
    print(t)
with suppress(ZeroDivisionError):
    1 / 0
with ExitStack() as stack:
    for n in "xy":
        stack.enter_context(tag(n))
    print("inside")`],
  ["itertools", `import itertools as it
print(list(it.accumulate([1, 2, 3, 4])), list(it.accumulate([1, 2, 3], lambda a, b: a * b, initial=10)))
print(list(it.permutations("abc", 2)), list(it.combinations(range(4), 3)), list(it.combinations_with_replacement("ab", 2)))
print(list(it.product("ab", repeat=2)), list(it.islice(it.count(5, 3), 4)), list(it.islice(it.cycle("ab"), 5)), list(it.repeat(1, 3)))
print([(k, list(g)) for k, g in it.groupby("aaabbcaa")], list(it.chain.from_iterable(["ab", "cd"])), list(it.zip_longest("ab", "xyz", fillvalue="-")))
print(list(it.takewhile(lambda x: x < 3, [1, 2, 5, 1])), list(it.dropwhile(lambda x: x < 3, [1, 2, 5, 1])), list(it.compress("abcd", [1, 0, 1, 0])), list(it.pairwise("abcd")), list(it.starmap(pow, [(2, 3), (3, 2)])))`],
  ["functools", `import functools, operator
print(functools.reduce(operator.mul, range(1, 11)), functools.reduce(lambda a, b: a + b, ["a", "b"], "z"))
p = functools.partial(int, base=2)
print(p("1010"), p.func.__name__, p.keywords)
@functools.singledispatch
def show(x):
    return "obj"
@show.register
def _(x: int):
    return "int"
@show.register(list)
def _(x):
    return "list"
print(show(1), show([1]), show("s"), sorted([3, 1, 2], key=functools.cmp_to_key(lambda a, b: b - a)))
class C:
    @functools.cached_property
    def v(self):
        print("computed")
        return 42
c = C()
print(c.v, c.v)`],
  ["collections", `from collections import Counter, defaultdict, OrderedDict, deque, namedtuple, ChainMap
c = Counter("mississippi")
print(c, c.most_common(2), c["s"], c["z"], sorted(c.elements()), c + Counter("ms"), c - Counter("ssss"))
d = defaultdict(list)
for k, v in [("a", 1), ("b", 2), ("a", 3)]:
    d[k].append(v)
print(d, dict(d), defaultdict(int)["x"])
o = OrderedDict(a=1, b=2, c=3)
o.move_to_end("a")
print(o, o.popitem(last=False), list(o))
q = deque([1, 2, 3], maxlen=4)
q.appendleft(0)
q.append(4)
q.rotate(1)
print(q, q.popleft(), q)
P = namedtuple("P", "x y", defaults=[0])
p = P(1)
print(p, p._asdict(), p._replace(y=5), P._fields, p.x + p[1])
print(ChainMap({"a": 1}, {"a": 2, "b": 3})["b"], ChainMap({"a": 1}, {"a": 2})["a"])`],
  ["json", `import json
data = {"name": "Kiln", "n": [1, 2.5, -0.0, 1e16, True, None], "nested": {"é": "ü€😀", "q": "\\"\\\\\\n"}, "big": 2 ** 70}
s = json.dumps(data)
print(s)
print(json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False))
print(json.dumps(data, separators=(",", ":")), json.loads(s) == data, json.loads('{"a": [1, 2.0, "x", null, true]}'))
print(json.dumps(float("nan")), json.dumps([1, [2, [3]]], indent="\\t"), json.loads("1e400"), json.loads("123456789012345678901234567890"))
try:
    json.loads("{bad}")
except json.JSONDecodeError as e:
    print(e.msg, e.lineno, e.colno, e.pos)`],
  ["re", `import re
text = "Order 66 at 2024-02-29, order 7 at 1999-12-31; total: 73 items"
print(re.findall(r"\\d+", text), re.findall(r"(\\d{4})-(\\d\\d)-(\\d\\d)", text))
m = re.search(r"(?P<y>\\d{4})-(?P<m>\\d\\d)", text)
print(m.group(0), m.group("y"), m.groupdict(), m.span(), m.start("m"))
print(re.sub(r"(\\w+) (\\d+)", r"\\2:\\1", text), re.sub(r"\\d+", lambda m: str(int(m.group()) * 2), "a1b22"), re.split(r"[,;]\\s*", text))
print(re.fullmatch(r"[a-z]+", "abc") is not None, re.match("a", "ba"), [m.group() for m in re.finditer(r"o\\w+", text, re.I)])
print(re.compile(r"^\\s*(\\w+)\\s*=\\s*(.*)$", re.M).findall("a = 1\\n b=two\\n"), re.escape("a.b*c"), re.subn("a", "b", "aaa"))`],
  ["math", `import math
print(math.pi, math.e, math.tau, math.inf, math.sqrt(2), math.isqrt(10 ** 20 + 1), math.gcd(12, 18), math.lcm(4, 6))
print(math.floor(-2.5), math.ceil(-2.5), math.trunc(-2.5), math.fabs(-3), math.copysign(1, -0.0), math.isclose(0.1 + 0.2, 0.3))
print(math.log(1024, 2), math.log2(1024), math.log10(1000), math.exp(1), math.pow(2, 10), math.hypot(3, 4), math.dist((0, 0), (3, 4)))
print(math.sin(0), math.cos(0), math.atan2(1, 1), math.degrees(math.pi), math.radians(180), math.fsum([0.1] * 10), sum([0.1] * 10))
print(math.isnan(float("nan")), math.isinf(-math.inf), math.prod(range(1, 6)), math.perm(5, 2), math.frexp(8.0), math.ldexp(0.5, 4), math.modf(-3.25))`],
  ["decimal", `from decimal import Decimal, getcontext, localcontext, ROUND_HALF_UP
print(Decimal("0.1") + Decimal("0.2"), Decimal(1) / Decimal(7), Decimal("1.10") * 3, Decimal(0.1), getcontext().prec)
print(Decimal("2.675").quantize(Decimal("0.01"), rounding=ROUND_HALF_UP), Decimal("2.675").quantize(Decimal("0.01")), Decimal("-0"), Decimal("1e3").normalize())
with localcontext() as ctx:
    ctx.prec = 50
    print(Decimal(2).sqrt())
print(Decimal("10") ** 30, Decimal("NaN").is_nan(), Decimal("1.5").as_tuple(), repr(Decimal("3.14")), float(Decimal("0.5")), Decimal(3).exp())`],
  ["fractions", `from fractions import Fraction as F
print(F(1, 3) + F(1, 6), F("3.1415"), F(0.5), F(1, 3) * 3 == 1, F(-7, 2) // 1, F(5, 10), repr(F(2, 4)))
print(F(22, 7).limit_denominator(5), float(F(1, 3)), F(3, 4) ** 2, F(1, 3) < F(1, 2), sum(F(1, n) for n in range(1, 6)), F(1.1).limit_denominator())`],
  ["datetime with fixed dates", `from datetime import date, datetime, timedelta, timezone, time
d = date(2024, 2, 29)
print(d, d + timedelta(days=1), d.isoformat(), d.weekday(), d.isoweekday(), d.isocalendar(), d.toordinal(), d.replace(year=2028))
print(d.strftime("%Y/%m/%d %a %A %b %B %j %U %w %y"), date.fromisoformat("1999-12-31"), date(2000, 1, 1) - date(1999, 1, 1))
t = datetime(2023, 6, 15, 13, 45, 30, 123456, tzinfo=timezone.utc)
print(t, repr(t), t.isoformat(), t.timestamp(), t.astimezone(timezone(timedelta(hours=-5))), t.strftime("%H:%M:%S.%f %p %Z %z"))
print(datetime.fromtimestamp(0, timezone.utc), datetime.fromisoformat("2020-05-17T08:00:00+02:00"), datetime.strptime("03/04/21 10:11", "%d/%m/%y %H:%M"))
print(timedelta(days=1, hours=25, seconds=-1), timedelta(seconds=-1), timedelta(weeks=3) / timedelta(days=2), time(23, 59), datetime(2024, 1, 1) < datetime(2024, 1, 2))`],
  ["match statements", `from dataclasses import dataclass
@dataclass
class Point:
    x: int
    y: int
def describe(v):
    match v:
        case 0 | 1:
            return "small"
        case int(n) if n < 0:
            return f"negative {n}"
        case [x, y, *rest]:
            return f"seq {x} {y} +{len(rest)}"
        case {"type": "circle", "r": r}:
            return f"circle {r}"
        case Point(x=0, y=y):
            return f"on y axis at {y}"
        case Point(x, y):
            return f"point {x},{y}"
        case str() as s:
            return "str " + s
        case _:
            return "other"
for v in [0, -5, [1, 2, 3, 4], {"type": "circle", "r": 2, "extra": 1}, Point(0, 3), Point(1, 2), "s", 2.5, (9, 8)]:
    print(describe(v))`],
  ["the script's namespace", `"""The docstring."""
print(__name__, repr(__doc__), __package__, __spec__, __cached__, type(__loader__).__name__, __loader__.name)
print([k for k in globals()], type(__builtins__).__name__, __builtins__.len("abc"))
import sys
print(__file__ == sys._getframe().f_code.co_filename, type(__file__).__name__, sys.modules["__main__"].__dict__ is globals())
x: int = 5
print(__annotations__)`],
  ["a script without a docstring", `print(__doc__, __doc__ is None, "__doc__" in globals(), sorted(globals()))`],
  ["pickling a class the script defines", `import pickle, copy
class Node:
    def __init__(self, v, kids=()):
        self.v, self.kids = v, list(kids)
    def __repr__(self):
        return f"Node({self.v}, {self.kids})"
t = Node(1, [Node(2), Node(3, [Node(4)])])
print(pickle.loads(pickle.dumps(t)), copy.deepcopy(t), Node.__module__, Node.__qualname__)`],
  ["the recursion limit", `import sys
print(sys.getrecursionlimit())
def depth(n):
    return 0 if n == 0 else depth(n - 1) + 1
print(depth(900))
def forever(n):
    return forever(n + 1)
try:
    forever(0)
except RecursionError as e:
    print("RecursionError", e)
sys.setrecursionlimit(20000)
print(sys.getrecursionlimit(), depth(15000))`],
  ["unbounded recursion, uncaught", `def f(n):
    return f(n + 1) + 1
print("start")
f(0)`, 1],
  // Only hashes that fit in 32 bits: Py_hash_t is 32-bit on wasm32 (sys.hash_info.width), so hash(2 ** 61),
  // hash(1.5) or a tuple's hash differ from a 64-bit python3.11's.
  ["hashing and ints as set members", `import sys
print(hash(1), hash(-1), hash(12345), hash(-0.0), hash(2.0), hash(True), {3, 1, 2, 100, 33}, frozenset({2, 1}), sys.hash_info.width in (32, 64))
print(set(range(10)) - {2, 3}, {1, 2} | {3}, {1, 2} & {2, 3}, {1, 2} ^ {2, 3}, {1, 2} <= {1, 2, 3}, sorted({"b", "a"}))`],
  ["enum and typing", `from enum import Enum, IntFlag, auto
from typing import NamedTuple, Optional
class Color(Enum):
    RED = auto()
    GREEN = auto()
class Perm(IntFlag):
    R = 4
    W = 2
    X = 1
class Pair(NamedTuple):
    a: int
    b: Optional[str] = None
print(Color.RED, repr(Color.GREEN), Color(2), Color["RED"].value, list(Color), Perm.R | Perm.W, repr(Perm(7)), Perm.R in Perm(5))
print(Pair(1), Pair(2, "x")._asdict(), Pair.__annotations__)`],
  ["string formatting of containers and numbers", `import string, textwrap
print(string.ascii_letters, string.digits, string.punctuation)
print(textwrap.fill("The quick brown fox jumps over the lazy dog " * 3, width=30))
print(textwrap.dedent("   a\\n     b"), textwrap.shorten("Hello  world, this is long", 15), format(1234.5, ",.2f"), format(0.5, ".0%"))
print(str([1.0, 2.5e-10, float("inf")]), str({"k": (1, [2.0])}), "{:>10}|{:<10}|{:^10}|".format("a", "b", "c"), "{0}{1}{0}".format("x", "y"))
print(int("0x1f", 16), int("0b101", 0), int(" 42 "), float("  -1.5e3 "), bin(-5), oct(64), complex("1+2j"), divmod(2 ** 100, 3 ** 30))`],
  ["unicode text", `s = "Grüße, 世界! 😀 ﬁ"
print(len(s), s.upper(), s.encode("utf-8"), s.encode("utf-16-le")[:8], s[::-1], [ord(c) for c in s[-4:]])
import unicodedata
print(unicodedata.name("é"), unicodedata.normalize("NFD", "é").encode(), unicodedata.category("世"), "\\N{SNOWMAN}", "ﬁ".casefold(), "ǆ".isalpha())
print(sorted(["b", "A", "a", "é", "Z"]), "é" < "z", "abc".encode("ascii", "ignore"), "naïve".encode("ascii", "replace"), "x\\u0301".isprintable())`],
  ["hashlib, base64 and struct", `import hashlib, base64, struct, zlib, binascii
print(hashlib.sha256(b"kiln").hexdigest(), hashlib.md5(b"").hexdigest(), hashlib.blake2b(b"x", digest_size=8).hexdigest())
print(base64.b64encode(b"\\x00\\xffhello"), base64.urlsafe_b64decode("aGk_"), base64.b32encode(b"ab"), base64.b16decode("4B"))
print(struct.pack("<iHd", -1, 65535, 1.5), struct.unpack(">I", b"\\x00\\x00\\x01\\x00"), struct.calcsize("@iq"), zlib.crc32(b"kiln"), binascii.hexlify(b"ab", "-"))`],
  ["statistics and heapq and bisect", `import statistics, heapq, bisect
data = [2, 4, 4, 4, 5, 5, 7, 9]
print(statistics.mean(data), statistics.median(data), statistics.mode(data), statistics.pstdev(data), statistics.stdev(data), statistics.quantiles(data, n=4))
h = [5, 1, 8, 3]
heapq.heapify(h)
heapq.heappush(h, 0)
print(h, heapq.heappop(h), heapq.nlargest(2, data), heapq.nsmallest(3, [9, 1, 8, 2]), list(heapq.merge([1, 4], [2, 3])))
a = [1, 3, 3, 7]
bisect.insort(a, 4)
print(a, bisect.bisect_left(a, 3), bisect.bisect_right(a, 3), bisect.bisect(a, 100))`],
  ["a syntax error", `print("x")
def f(:
    pass`, 1],
];

describe.skipIf(!hasInterpreter("python3.11", "python3.11", "Python differential runs"))("Python in Kiln prints what python3.11 prints", () => {
  const sandbox = useKiln();

  it("has at least 30 programs", () => {
    expect(programs.length).toBeGreaterThanOrEqual(30);
  });

  for (const [what, code, status = 0] of programs) {
    it(what, async () => {
      // runNative and a run in process both block this thread; one turn of the event loop per program lets
      // vitest's messages from the main process through (without it, its RPC timed out on a loaded machine).
      await new Promise<void>((resolve) => setImmediate(resolve));
      const native = runNative("python3.11", [], code, ".py");
      expect(native.status, `python3.11 exit status; stderr: ${native.stderr}`).toBe(status);
      const kiln = await sandbox.run(job("python", code, { limits: { fuel: 1e9 } }));
      expect(kiln.ok, kiln.ok ? "" : kiln.error.message).toBe(status === 0);
      expect(kiln.stdout).toBe(native.stdout);
    });
  }
});
