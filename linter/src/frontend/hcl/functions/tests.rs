//! Cases from the examples of Terraform's function documentation (written anew, one or more
//! per function) and edge cases, evaluated through the whole evaluator; plus unknown/null
//! propagation and the catalogue check. Every case's expression and expected value were also
//! run through `terraform console` (Terraform 1.11.4) and agree with it, the impure functions and
//! `issensitive` (which the linter leaves unknown) aside.

use super::super::eval::{EmptyScope, Evaluator};
use super::{call, is_implemented, Kind, CATALOGUE};
use crate::model::Value;

/// What a case expects: the value of an HCL literal, an error, or unknown.
enum Want {
    Is(&'static str),
    Error,
    Unknown,
}
use Want::{Error, Is, Unknown};

fn eval(src: &str) -> Result<Value, ()> {
    let expr = hcl::edit::parser::parse_expr(src).map_err(|e| panic!("{src}: {e}"))?;
    Evaluator::new(&EmptyScope).eval(&expr).map_err(|_| ())
}

/// (expression, expected), per family of Terraform's documentation.
const CASES: &[(&str, Want)] = &[
    // Numeric.
    ("abs(23)", Is("23")),
    ("abs(0)", Is("0")),
    ("abs(-12.4)", Is("12.4")),
    ("ceil(5)", Is("5")),
    ("ceil(5.1)", Is("6")),
    ("floor(5)", Is("5")),
    ("floor(4.9)", Is("4")),
    ("log(16, 2)", Is("4")),
    ("max(12, 54, 3)", Is("54")),
    ("max([12, 54, 3]...)", Is("54")),
    ("min(12, 54, 3)", Is("3")),
    ("min([12, 54, 3]...)", Is("3")),
    ("min()", Error),
    (r#"parseint("100", 10)"#, Is("100")),
    (r#"parseint("FF", 16)"#, Is("255")),
    (r#"parseint("-10", 16)"#, Is("-16")),
    (r#"parseint("1011111011101111", 2)"#, Is("48879")),
    (r#"parseint("aA", 62)"#, Is("656")),
    (r#"parseint("12", 2)"#, Error),
    ("pow(3, 2)", Is("9")),
    ("pow(4, 0)", Is("1")),
    ("signum(-13)", Is("-1")),
    ("signum(0)", Is("0")),
    ("signum(344)", Is("1")),
    // String.
    (r#"chomp("hello\n")"#, Is(r#""hello""#)),
    (r#"chomp("hello\r\n")"#, Is(r#""hello""#)),
    (r#"chomp("hello\n\n")"#, Is(r#""hello""#)),
    (r#"endswith("hello world", "world")"#, Is("true")),
    (r#"endswith("hello world", "hello")"#, Is("false")),
    (r#"format("Hello, %s!", "Ander")"#, Is(r#""Hello, Ander!""#)),
    (
        r#"format("There are %d lights", 4)"#,
        Is(r#""There are 4 lights""#),
    ),
    (r#"format("%#v", "hello")"#, Is(r#""\"hello\"""#)),
    (r#"format("%#v", true)"#, Is(r#""true""#)),
    (r#"format("%#v", 1)"#, Is(r#""1""#)),
    (r#"format("%#v", {a = 1})"#, Is(r#""{\"a\":1}""#)),
    // Terraform 1.11 gives unknown for a null argument (checked with `terraform console`).
    (r#"format("%#v", null)"#, Unknown),
    (r#"format("%v and %v", "a", 1.5)"#, Is(r#""a and 1.5""#)),
    (
        r#"format("%5.2f|%-4d|%04d|%+d", 3.14159, 7, 7, 7)"#,
        Is(r#"" 3.14|7   |0007|+7""#),
    ),
    (
        r#"format("%b %o %x %X %#x", 5, 8, 255, 255, 255)"#,
        Is(r#""101 10 ff FF 0xff""#),
    ),
    (
        r#"format("%e|%.2e|%E", 1234.5678, 1234.5678, 0.00012)"#,
        Is(r#""1.234568e+03|1.23e+03|1.200000E-04""#),
    ),
    (
        r#"format("%g|%g|%.3g", 0.5, 100000000, 3.14159)"#,
        Is(r#""0.5|1e+08|3.14""#),
    ),
    (
        r#"format("%t %q %%", true, "a\"b")"#,
        Is(r#""true \"a\\\"b\" %""#),
    ),
    (r#"format("%[2]s-%[1]s", "a", "b")"#, Is(r#""b-a""#)),
    (
        r#"format("%.3s|%6s", "abcdef", "ab")"#,
        Is(r#""abc|    ab""#),
    ),
    (r#"format("%d", 1.5)"#, Error),
    (r#"format("%s %s", "a")"#, Error),
    (r#"format("%s", "a", "b")"#, Error),
    (r#"format("%s", [1])"#, Error),
    (
        r#"formatlist("Hello, %s!", ["Valentina", "Ander", "Olivia", "Sam"])"#,
        Is(r#"["Hello, Valentina!", "Hello, Ander!", "Hello, Olivia!", "Hello, Sam!"]"#),
    ),
    (
        r#"formatlist("%s, %s!", "Salutations", ["Valentina", "Ander"])"#,
        Is(r#"["Salutations, Valentina!", "Salutations, Ander!"]"#),
    ),
    (r#"formatlist("%s-%s", ["a", "b"], ["c"])"#, Error),
    (
        r#""items: ${indent(2, "[\n  foo,\n  bar,\n]\n")}""#,
        Is(r#""items: [\n    foo,\n    bar,\n  ]\n  ""#),
    ),
    (
        r#"join("-", ["foo", "bar", "baz"])"#,
        Is(r#""foo-bar-baz""#),
    ),
    (
        r#"join(", ", ["foo", "bar", "baz"])"#,
        Is(r#""foo, bar, baz""#),
    ),
    (r#"join(", ", ["foo"])"#, Is(r#""foo""#)),
    (r#"join(",", ["a"], [1, true])"#, Is(r#""a,1,true""#)),
    (r#"join(",", ["a", null])"#, Error),
    (r#"lower("HELLO")"#, Is(r#""hello""#)),
    (r#"lower("АЛЛО!")"#, Is(r#""алло!""#)),
    (
        r#"regex("[a-z]+", "53453453.345345aaabbbccc23454")"#,
        Is(r#""aaabbbccc""#),
    ),
    (
        r#"regex("(\\d\\d\\d\\d)-(\\d\\d)-(\\d\\d)", "2019-02-01")"#,
        Is(r#"["2019", "02", "01"]"#),
    ),
    (
        r#"regex("^(?:(?P<scheme>[^:/?#]+):)?(?://(?P<authority>[^/?#]*))?", "https://terraform.io/docs/")"#,
        Is(r#"{authority = "terraform.io", scheme = "https"}"#),
    ),
    (r#"regex("[a-z]+", "53453453.34534523454")"#, Error),
    (r#"regex("(a)(?P<b>b)", "ab")"#, Error),
    (r#"regex("(a)(x)?", "ab")"#, Is(r#"["a", null]"#)),
    (
        r#"regexall("[a-z]+", "1234abcd5678efgh9")"#,
        Is(r#"["abcd", "efgh"]"#),
    ),
    (
        r#"length(regexall("[a-z]+", "1234abcd5678efgh9"))"#,
        Is("2"),
    ),
    (
        r#"length(regexall("[a-z]+", "123456789")) > 0"#,
        Is("false"),
    ),
    (
        r#"regexall("(\\w)=(\\d)", "a=1 b=2")"#,
        Is(r#"[["a", "1"], ["b", "2"]]"#),
    ),
    (r#"replace("1 + 2 + 3", "+", "-")"#, Is(r#""1 - 2 - 3""#)),
    (
        r#"replace("hello world", "/w.*d/", "everybody")"#,
        Is(r#""hello everybody""#),
    ),
    (
        r#"replace("key=value", "/(\\w+)=(\\w+)/", "$2=$1")"#,
        Is(r#""value=key""#),
    ),
    (r#"split(",", "foo")"#, Is(r#"["foo"]"#)),
    (
        r#"split(",", "foo,bar,baz")"#,
        Is(r#"["foo", "bar", "baz"]"#),
    ),
    (r#"split(",", "")"#, Is(r#"[""]"#)),
    (r#"startswith("hello world", "hello")"#, Is("true")),
    (r#"startswith("hello world", "world")"#, Is("false")),
    (r#"strcontains("hello world", "wor")"#, Is("true")),
    (r#"strcontains("hello world", "wod")"#, Is("false")),
    (r#"strrev("hello")"#, Is(r#""olleh""#)),
    (r#"strrev("a ☃")"#, Is(r#""☃ a""#)),
    (r#"substr("hello world", 1, 4)"#, Is(r#""ello""#)),
    (r#"substr("🤔🤷", 0, 1)"#, Is(r#""🤔""#)),
    (r#"substr("hello world", -5, -1)"#, Is(r#""world""#)),
    (r#"substr("hello world", 6, 10)"#, Is(r#""world""#)),
    (r#"substr("hello", 6, 1)"#, Is(r#""""#)),
    (r#"strrev("👾🕹️")"#, Is(r#""🕹️👾""#)),
    (
        r#"[for t in ["Hello, $${name}!"] : templatestring(t, {name = "Jodie"})][0]"#,
        Is(r#""Hello, Jodie!""#),
    ),
    (
        r#"templatestring("Hello, $${name}!", {name = "Jodie"})"#,
        Error,
    ),
    (r#"title("hello world")"#, Is(r#""Hello World""#)),
    (
        r#"title("hello-world o'neil")"#,
        Is(r#""Hello-World O'Neil""#),
    ),
    (r#"trim("?!hello?!", "!?")"#, Is(r#""hello""#)),
    (r#"trim("foobar", "far")"#, Is(r#""oob""#)),
    (
        r#"trim("   hello! world.!  ", "! ")"#,
        Is(r#""hello! world.""#),
    ),
    (r#"trimprefix("helloworld", "hello")"#, Is(r#""world""#)),
    (r#"trimprefix("helloworld", "cat")"#, Is(r#""helloworld""#)),
    (r#"trimsuffix("helloworld", "world")"#, Is(r#""hello""#)),
    (r#"trimspace("  hello\n\n")"#, Is(r#""hello""#)),
    (r#"upper("hello")"#, Is(r#""HELLO""#)),
    (r#"upper("алло!")"#, Is(r#""АЛЛО!""#)),
    // Collection.
    (r#"alltrue(["true", true])"#, Is("true")),
    ("alltrue([true, false])", Is("false")),
    ("alltrue([])", Is("true")),
    (r#"anytrue(["true"])"#, Is("true")),
    ("anytrue([true, false])", Is("true")),
    ("anytrue([])", Is("false")),
    (
        r#"chunklist(["a", "b", "c", "d", "e"], 2)"#,
        Is(r#"[["a", "b"], ["c", "d"], ["e"]]"#),
    ),
    (
        r#"chunklist(["a", "b", "c", "d", "e"], 1)"#,
        Is(r#"[["a"], ["b"], ["c"], ["d"], ["e"]]"#),
    ),
    (r#"coalesce("a", "b")"#, Is(r#""a""#)),
    (r#"coalesce("", "b")"#, Is(r#""b""#)),
    ("coalesce(1, 2)", Is("1")),
    (r#"coalesce(["", "b"]...)"#, Is(r#""b""#)),
    (r#"coalesce(null, 1, "a")"#, Is(r#""1""#)),
    (r#"coalesce(null, "")"#, Error),
    (
        r#"coalescelist(["a", "b"], ["c", "d"])"#,
        Is(r#"["a", "b"]"#),
    ),
    (r#"coalescelist([], ["c", "d"])"#, Is(r#"["c", "d"]"#)),
    (r#"coalescelist([[], ["c", "d"]]...)"#, Is(r#"["c", "d"]"#)),
    (
        r#"compact(["a", "", "b", null, "c"])"#,
        Is(r#"["a", "b", "c"]"#),
    ),
    (
        r#"concat(["a", ""], ["b", "c"])"#,
        Is(r#"["a", "", "b", "c"]"#),
    ),
    (r#"contains(["a", "b", "c"], "a")"#, Is("true")),
    (r#"contains(["a", "b", "c"], "d")"#, Is("false")),
    (r#"contains(["22", "443"], 22)"#, Is("false")),
    (
        r#"distinct(["a", "b", "a", "c", "d", "b"])"#,
        Is(r#"["a", "b", "c", "d"]"#),
    ),
    (r#"element(["a", "b", "c"], 1)"#, Is(r#""b""#)),
    (r#"element(["a", "b", "c"], 3)"#, Is(r#""a""#)),
    (
        r#"element(["a", "b", "c"], length(["a", "b", "c"]) - 1)"#,
        Is(r#""c""#),
    ),
    ("element([], 0)", Error),
    (
        r#"flatten([["a", "b"], [], ["c"]])"#,
        Is(r#"["a", "b", "c"]"#),
    ),
    (
        r#"flatten([[["a", "b"], []], ["c"]])"#,
        Is(r#"["a", "b", "c"]"#),
    ),
    (r#"index(["a", "b", "c"], "b")"#, Is("1")),
    (r#"index(["a", "b", "c"], "z")"#, Error),
    ("keys({a = 1, c = 2, d = 3})", Is(r#"["a", "c", "d"]"#)),
    ("length([])", Is("0")),
    (r#"length(["a", "b"])"#, Is("2")),
    (r#"length({"a" = "b"})"#, Is("1")),
    (r#"length("hello")"#, Is("5")),
    (r#"length("👾🕹️")"#, Is("2")),
    (
        r#"lookup({a = "ay", b = "bee"}, "a", "what?")"#,
        Is(r#""ay""#),
    ),
    (
        r#"lookup({a = "ay", b = "bee"}, "c", "what?")"#,
        Is(r#""what?""#),
    ),
    (r#"lookup({a = "ay"}, "c")"#, Error),
    (
        r#"matchkeys(["i-123", "i-abc", "i-def"], ["us-west", "us-east", "us-east"], ["us-east"])"#,
        Is(r#"["i-abc", "i-def"]"#),
    ),
    (
        r#"matchkeys([{ip = "a"}, {ip = "b"}], ["x", "y"], ["y"])"#,
        Is(r#"[{ip = "b"}]"#),
    ),
    (
        r#"merge({a = "b", c = "d"}, {e = "f", c = "z"})"#,
        Is(r#"{a = "b", c = "z", e = "f"}"#),
    ),
    (
        r#"merge({a = "b"}, {a = [1, 2], c = "z"}, {d = 3})"#,
        Is(r#"{a = [1, 2], c = "z", d = 3}"#),
    ),
    ("one([])", Is("null")),
    (r#"one(["hello"])"#, Is(r#""hello""#)),
    (r#"one(["hello", "goodbye"])"#, Error),
    ("range(3)", Is("[0, 1, 2]")),
    ("range(1, 4)", Is("[1, 2, 3]")),
    ("range(1, 8, 2)", Is("[1, 3, 5, 7]")),
    ("range(1, 4, 0.5)", Is("[1, 1.5, 2, 2.5, 3, 3.5]")),
    ("range(4, 1)", Is("[4, 3, 2]")),
    ("range(10, 5, -2)", Is("[10, 8, 6]")),
    ("range(2000)", Error),
    ("reverse([1, 2, 3])", Is("[3, 2, 1]")),
    (
        r#"setintersection(["a", "b"], ["b", "c"], ["b", "d"])"#,
        Is(r#"["b"]"#),
    ),
    (
        r#"setproduct(["development", "staging", "production"], ["app1", "app2"])"#,
        Is(
            r#"[["development", "app1"], ["development", "app2"], ["staging", "app1"], ["staging", "app2"], ["production", "app1"], ["production", "app2"]]"#,
        ),
    ),
    (
        r#"setproduct(["staging"], ["a"])"#,
        Is(r#"[["staging", "a"]]"#),
    ),
    (r#"setproduct(["a", "b"], [])"#, Is("[]")),
    (
        r#"setsubtract(["a", "b", "c"], ["a", "c"])"#,
        Is(r#"["b"]"#),
    ),
    (
        r#"setunion(["a", "b"], ["b", "c"], ["d"])"#,
        Is(r#"["a", "b", "c", "d"]"#),
    ),
    (r#"slice(["a", "b", "c", "d"], 1, 3)"#, Is(r#"["b", "c"]"#)),
    (r#"slice(["a", "b"], 1, 3)"#, Error),
    (
        r#"sort(["e", "d", "a", "x"])"#,
        Is(r#"["a", "d", "e", "x"]"#),
    ),
    ("sum([10, 13, 6, 4.5])", Is("33.5")),
    ("sum([])", Error),
    (
        r#"transpose({"a" = ["1", "2"], "b" = ["2", "3"]})"#,
        Is(r#"{"1" = ["a"], "2" = ["a", "b"], "3" = ["b"]}"#),
    ),
    ("values({a = 3, c = 2, d = 1})", Is("[3, 2, 1]")),
    (r#"zipmap(["a", "b"], [1, 2])"#, Is("{a = 1, b = 2}")),
    (r#"zipmap(["a", "b"], [1])"#, Error),
    // Encoding.
    (
        r#"base64decode("SGVsbG8gV29ybGQ=")"#,
        Is(r#""Hello World""#),
    ),
    (r#"base64decode("/w==")"#, Error),
    (
        r#"base64encode("Hello World")"#,
        Is(r#""SGVsbG8gV29ybGQ=""#),
    ),
    (
        r#"csvdecode("a,b,c\n1,2,3\n4,5,6")"#,
        Is(r#"[{a = "1", b = "2", c = "3"}, {a = "4", b = "5", c = "6"}]"#),
    ),
    (r#"csvdecode("a,b\n1")"#, Error),
    (
        r#"jsondecode("{\"hello\": \"world\"}")"#,
        Is(r#"{hello = "world"}"#),
    ),
    (r#"jsondecode("true")"#, Is("true")),
    (
        r#"jsonencode({"hello" = "world"})"#,
        Is(r#""{\"hello\":\"world\"}""#),
    ),
    (
        r#"textdecodebase64("SABlAGwAbABvACAAVwBvAHIAbABkAA==", "UTF-16LE")"#,
        Is(r#""Hello World""#),
    ),
    (
        r#"textencodebase64("Hello World", "UTF-16LE")"#,
        Is(r#""SABlAGwAbABvACAAVwBvAHIAbABkAA==""#),
    ),
    (r#"textencodebase64("Hello", "EBCDIC-FANTASY")"#, Error),
    (r#"urlencode("Hello World!")"#, Is(r#""Hello+World%21""#)),
    (r#"urlencode("☃")"#, Is(r#""%E2%98%83""#)),
    (
        r#"urlencode("arn:aws:iam::123456789012:group/developers")"#,
        Is(r#""arn%3Aaws%3Aiam%3A%3A123456789012%3Agroup%2Fdevelopers""#),
    ),
    (r#"yamldecode("hello: world")"#, Is(r#"{hello = "world"}"#)),
    (r#"yamldecode("true")"#, Is("true")),
    (
        r#"yamldecode("{a: &foo [1, 2, 3], b: *foo}")"#,
        Is("{a = [1, 2, 3], b = [1, 2, 3]}"),
    ),
    (r#"yamldecode("a: [1")"#, Error),
    (r#"yamldecode("")"#, Error),
    (r#"yamldecode("a: 1\n---\nb: 2")"#, Error),
    (
        r#"yamldecode("a: \"yes\"\nb: 'on'\nc: y\nd: Off\ne: ~\nf: 1.5\nh: 0o17\ni: 017\nj: NULL\nk: True\nl: !!str 12")"#,
        Is(
            r#"{a = "yes", b = "on", c = true, d = false, e = null, f = 1.5, h = 15, i = 17, j = null, k = true, l = "12"}"#,
        ),
    ),
    (
        r#"yamlencode({"a" = "b", "c" = "d"})"#,
        Is(r#""\"a\": \"b\"\n\"c\": \"d\"\n""#),
    ),
    (
        r#"yamlencode({"foo" = [1, 2, 3], "bar" = "baz"})"#,
        Is(r#""\"bar\": \"baz\"\n\"foo\":\n- 1\n- 2\n- 3\n""#),
    ),
    (
        r#"yamlencode({"foo" = [1, {"a" = "b", "c" = "d"}, 3], "bar" = "baz"})"#,
        Is(r#""\"bar\": \"baz\"\n\"foo\":\n- 1\n- \"a\": \"b\"\n  \"c\": \"d\"\n- 3\n""#),
    ),
    (
        r#"yamlencode({a = {b = [[1, 2], []], c = {}}, d = "x\ny"})"#,
        Is(r#""\"a\":\n  \"b\":\n  - - 1\n    - 2\n  - []\n  \"c\": {}\n\"d\": |-\n  x\n  y\n""#),
    ),
    (
        r#"yamlencode({a = "x\ny\n", b = " lead\nx", c = "yes", e = ""})"#,
        Is(r#""\"a\": |\n  x\n  y\n\"b\": |2-\n   lead\n  x\n\"c\": \"yes\"\n\"e\": \"\"\n""#),
    ),
    (
        r#"yamlencode([["a"], {b = "c"}])"#,
        Is(r#""- - \"a\"\n- \"b\": \"c\"\n""#),
    ),
    (r#"yamlencode("x\ny")"#, Is(r#""|-\n  x\n  y\n""#)),
    (
        r#"jsonencode({a = "<b>&"})"#,
        Is(r#""{\"a\":\"\\u003cb\\u003e\\u0026\"}""#),
    ),
    (r#"distinct([1, "1"])"#, Is(r#"["1"]"#)),
    (r#"setunion([1], ["a"])"#, Is(r#"["1", "a"]"#)),
    ("setintersection([3, 1, 2], [2, 3])", Is("[2, 3]")),
    ("toset([3, 1, 10])", Is("[1, 3, 10]")),
    ("tolist([1, true])", Error),
    (r#"index([1, 2], "2")"#, Error),
    // Filesystem paths.
    (r#"abspath("/a/b/../c/")"#, Is(r#""/a/c""#)),
    (r#"basename("foo/bar/baz.txt")"#, Is(r#""baz.txt""#)),
    (r#"dirname("foo/bar/baz.txt")"#, Is(r#""foo/bar""#)),
    (r#"dirname("baz.txt")"#, Is(r#"".""#)),
    // Date and time.
    (
        r#"formatdate("DD MMM YYYY hh:mm ZZZ", "2018-01-02T23:12:01Z")"#,
        Is(r#""02 Jan 2018 23:12 UTC""#),
    ),
    (
        r#"formatdate("EEEE, DD-MMM-YY hh:mm:ss ZZZ", "2018-01-02T23:12:01Z")"#,
        Is(r#""Tuesday, 02-Jan-18 23:12:01 UTC""#),
    ),
    (
        r#"formatdate("EEE, DD MMM YYYY hh:mm:ss ZZZ", "2018-01-02T23:12:01-08:00")"#,
        Is(r#""Tue, 02 Jan 2018 23:12:01 -0800""#),
    ),
    (
        r#"formatdate("MMM DD, YYYY", "2018-01-02T23:12:01Z")"#,
        Is(r#""Jan 02, 2018""#),
    ),
    (
        r#"formatdate("HH:mmaa", "2018-01-02T23:12:01Z")"#,
        Is(r#""11:12pm""#),
    ),
    (
        r#"formatdate("'Day' D 'of' MMMM', at' h'h' ZZZZZ", "2018-01-02T03:12:01+05:30")"#,
        Is(r#""Day 2 of January, at 3h +05:30""#),
    ),
    (r#"formatdate("YYYY-QQ", "2018-01-02T23:12:01Z")"#, Error),
    (r#"formatdate("YYYY", "2018-01-02")"#, Error),
    (
        r#"timeadd("2017-11-22T00:00:00Z", "10m")"#,
        Is(r#""2017-11-22T00:10:00Z""#),
    ),
    (
        r#"timeadd("2017-11-22T00:00:00+01:00", "-1h30m")"#,
        Is(r#""2017-11-21T22:30:00+01:00""#),
    ),
    (r#"timeadd("2017-11-22T00:00:00Z", "10 minutes")"#, Error),
    (
        r#"timecmp("2017-11-22T00:00:00Z", "2017-11-22T00:00:00Z")"#,
        Is("0"),
    ),
    (
        r#"timecmp("2017-11-22T00:00:00Z", "2017-11-22T01:00:00Z")"#,
        Is("-1"),
    ),
    (
        r#"timecmp("2017-11-22T01:00:00Z", "2017-11-22T00:00:00Z")"#,
        Is("1"),
    ),
    (
        r#"timecmp("2017-11-22T01:00:00Z", "2017-11-22T00:00:00-01:00")"#,
        Is("0"),
    ),
    ("timestamp()", Unknown),
    ("plantimestamp()", Unknown),
    // Hash and crypto.
    (
        r#"base64sha256("hello world")"#,
        Is(r#""uU0nuZNNPgilLlLX2n2r+sSE7+N6U4DukIj3rOLvzek=""#),
    ),
    (
        r#"base64sha512("hello world")"#,
        Is(
            r#""MJ7MSJwS1utMxA9QyQLytNDtd+5RGnx6m808qG1M2G+YndNbxf9JlnDaNCVbRbDP2DDoH2Bdz33FVC6TrpzXbw==""#,
        ),
    ),
    (
        r#"md5("hello world")"#,
        Is(r#""5eb63bbbe01eeed093cb22bb8f5acdc3""#),
    ),
    (
        r#"sha1("hello world")"#,
        Is(r#""2aae6c35c94fcfb415dbe95f408b9ce91ee846ed""#),
    ),
    (
        r#"sha256("hello world")"#,
        Is(r#""b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9""#),
    ),
    (
        r#"sha512("hello world")"#,
        Is(
            r#""309ecc489c12d6eb4cc40f50c902f2b4d0ed77ee511a7c7a9bcd3ca86d4cd86f989dd35bc5ff499670da34255b45b0cfd830e81f605dcf7dc5542e93ae9cd76f""#,
        ),
    ),
    (
        r#"uuidv5("dns", "www.terraform.io")"#,
        Is(r#""a5008fae-b28c-5ba5-96cd-82b4c53552d6""#),
    ),
    (
        r#"uuidv5("url", "https://www.terraform.io/")"#,
        Is(r#""9db6f67c-dd95-5ea0-aa5b-e70e5c5f7cf5""#),
    ),
    (
        r#"uuidv5("oid", "1.3.6.1.4")"#,
        Is(r#""af9d40a5-7a36-5c07-b23a-851cd99fbfa5""#),
    ),
    (
        r#"uuidv5("x500", "CN=Example,C=GB")"#,
        Is(r#""84e09961-4aa4-57f8-95b7-03edb1073253""#),
    ),
    (
        r#"uuidv5("6ba7b810-9dad-11d1-80b4-00c04fd430c8", "www.terraform.io")"#,
        Is(r#""a5008fae-b28c-5ba5-96cd-82b4c53552d6""#),
    ),
    (r#"uuidv5("tld", "x")"#, Error),
    ("uuid()", Unknown),
    (r#"bcrypt("x")"#, Unknown),
    // IP network.
    (r#"cidrhost("10.12.112.0/20", 16)"#, Is(r#""10.12.112.16""#)),
    (
        r#"cidrhost("10.12.112.0/20", 268)"#,
        Is(r#""10.12.113.12""#),
    ),
    (
        r#"cidrhost("10.12.112.0/20", -2)"#,
        Is(r#""10.12.127.254""#),
    ),
    (
        r#"cidrhost("fd00:fd12:3456:7890:00a2::/72", 34)"#,
        Is(r#""fd00:fd12:3456:7890::22""#),
    ),
    (r#"cidrhost("10.0.0.0/30", 4)"#, Error),
    (r#"cidrnetmask("172.16.0.0/12")"#, Is(r#""255.240.0.0""#)),
    (
        r#"cidrsubnet("172.16.0.0/12", 4, 2)"#,
        Is(r#""172.18.0.0/16""#),
    ),
    (
        r#"cidrsubnet("10.1.2.0/24", 4, 15)"#,
        Is(r#""10.1.2.240/28""#),
    ),
    (
        r#"cidrsubnet("fd00:fd12:3456:7890::/56", 16, 162)"#,
        Is(r#""fd00:fd12:3456:7800:a200::/72""#),
    ),
    (r#"cidrsubnet("10.1.2.0/24", 4, 16)"#, Error),
    (r#"cidrsubnet("10.1.2.0/24", 9, 0)"#, Error),
    (r#"cidrsubnet("not-a-cidr", 4, 1)"#, Error),
    (
        r#"cidrsubnets("10.1.0.0/16", 4, 4, 8, 4)"#,
        Is(r#"["10.1.0.0/20", "10.1.16.0/20", "10.1.32.0/24", "10.1.48.0/20"]"#),
    ),
    (
        r#"cidrsubnets("fd00:fd12:3456:7890::/56", 16, 16, 16, 32)"#,
        Is(
            r#"["fd00:fd12:3456:7800::/72", "fd00:fd12:3456:7800:100::/72", "fd00:fd12:3456:7800:200::/72", "fd00:fd12:3456:7800:300::/88"]"#,
        ),
    ),
    (r#"cidrsubnets("10.0.0.0/24", 1, 1, 1)"#, Error),
    // Type conversion.
    (r#"can(regex("^ami-", "ami-123"))"#, Is("true")),
    (r#"can(regex("^ami-", "img-123"))"#, Is("false")),
    (r#"try(tonumber("x"), 0)"#, Is("0")),
    (
        r#"try(cidrsubnet("10.0.0.0/8", 8, 300), "none")"#,
        Is(r#""none""#),
    ),
    (r#"nonsensitive(sensitive("a"))"#, Is(r#""a""#)),
    (r#"ephemeralasnull("a")"#, Is(r#""a""#)),
    (r#"issensitive("a")"#, Unknown),
    ("tobool(true)", Is("true")),
    (r#"tobool("true")"#, Is("true")),
    ("tobool(null)", Is("null")),
    (r#"tobool("no")"#, Error),
    ("tobool(1)", Error),
    (r#"tolist(["a", "b", "c"])"#, Is(r#"["a", "b", "c"]"#)),
    (r#"tolist(["a", "b", 3])"#, Is(r#"["a", "b", "3"]"#)),
    ("tolist({a = 1})", Error),
    (r#"tomap({"a" = 1, "b" = 2})"#, Is("{a = 1, b = 2}")),
    (
        r#"tomap({"a" = "foo", "b" = true})"#,
        Is(r#"{a = "foo", b = "true"}"#),
    ),
    ("tonumber(1)", Is("1")),
    (r#"tonumber("1")"#, Is("1")),
    ("tonumber(null)", Is("null")),
    (r#"tonumber("no")"#, Error),
    (r#"toset(["a", "b", "c"])"#, Is(r#"["a", "b", "c"]"#)),
    (r#"toset(["a", "b", 3])"#, Is(r#"["3", "a", "b"]"#)),
    (r#"toset(["c", "b", "b"])"#, Is(r#"["b", "c"]"#)),
    (r#"tostring("hello")"#, Is(r#""hello""#)),
    ("tostring(1)", Is(r#""1""#)),
    ("tostring(true)", Is(r#""true""#)),
    ("tostring(null)", Is("null")),
    ("tostring([])", Error),
];

#[test]
fn terraform_documentation_examples() {
    let mut failures = Vec::new();
    for (src, want) in CASES {
        let got = eval(src);
        let ok = match want {
            Is(expected) => {
                let expected = eval(expected).unwrap_or_else(|()| panic!("{expected} evaluates"));
                got.as_ref() == Ok(&expected)
            }
            Error => got.is_err(),
            Unknown => got == Ok(Value::Unknown),
        };
        if !ok {
            let want = match want {
                Is(e) => (*e).to_string(),
                Error => "an error".into(),
                Unknown => "unknown".into(),
            };
            failures.push(format!("{src}\n    want {want}\n    got  {got:?}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn log_matches_terraform_within_rounding() {
    let Ok(Value::Number(n)) = eval("log(50, 10)") else {
        panic!("log evaluates");
    };
    assert!((n - 1.6989700043360185).abs() < 1e-15, "{n}");
}

#[test]
fn base64gzip_round_trips() {
    use base64::Engine as _;
    use std::io::Read as _;
    let Ok(Value::String(s)) = eval(r#"base64gzip("hello world")"#) else {
        panic!("base64gzip evaluates");
    };
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(s)
        .expect("base64");
    let mut out = String::new();
    flate2::read::GzDecoder::new(&bytes[..])
        .read_to_string(&mut out)
        .expect("gzip");
    assert_eq!(out, "hello world");
}

#[test]
fn unknowns_propagate_as_terraform_does() {
    let unknown = Value::Unknown;
    let s = |x: &str| Value::String(x.into());
    // An unknown argument: unknown result.
    assert_eq!(
        call(
            "cidrsubnet",
            vec![Value::Unknown, Value::Number(4.0), Value::Number(1.0)]
        ),
        Ok(Value::Unknown)
    );
    assert_eq!(eval("upper(var.x)"), Ok(Value::Unknown));
    // Functions that move elements carry unknown elements through.
    assert_eq!(
        eval(r#"concat([var.x], ["a"])"#),
        Ok(Value::List(vec![unknown.clone(), s("a")]))
    );
    assert_eq!(
        eval(r#"slice(["a", var.x, "b"], 1, 3)"#),
        Ok(Value::List(vec![unknown.clone(), s("b")]))
    );
    assert_eq!(
        eval(r#"setproduct(["a"], [var.x])"#),
        Ok(Value::List(vec![Value::List(vec![
            s("a"),
            unknown.clone()
        ])]))
    );
    assert_eq!(
        eval(r#"formatlist("%s/32", ["a", var.x])"#),
        Ok(Value::List(vec![s("a/32"), unknown.clone()]))
    );
    // ... and those that need the element's value are unknown.
    assert_eq!(eval(r#"join(",", ["a", var.x])"#), Ok(Value::Unknown));
    assert_eq!(eval(r#"index(["a", var.x], "b")"#), Ok(Value::Unknown));
    assert_eq!(
        eval(r#"contains(["a", var.x], "a")"#),
        Ok(Value::Bool(true))
    );
    assert_eq!(eval(r#"contains(["a", var.x], "b")"#), Ok(Value::Unknown));
    assert_eq!(eval("alltrue([false, var.x])"), Ok(Value::Bool(false)));
    assert_eq!(eval("alltrue([true, var.x])"), Ok(Value::Unknown));
    // coalesce stops at an unknown met before a usable value.
    assert_eq!(eval(r#"coalesce("", var.x, "b")"#), Ok(Value::Unknown));
    assert_eq!(eval(r#"coalesce("a", var.x)"#), Ok(s("a")));
    // A reference is unknown too.
    assert_eq!(
        eval("cidrhost(aws_vpc.main.cidr_block, 1)"),
        Ok(Value::Unknown)
    );
    // can() of an unknown is unknown; try() of an error falls through.
    assert_eq!(eval("can(var.x)"), Ok(Value::Unknown));
}

#[test]
fn null_arguments_are_refused_unless_the_function_accepts_them() {
    let err = call("upper", vec![Value::Null]).expect_err("null refused");
    assert_eq!(err.function, "upper");
    assert_eq!(err.message, "argument must not be null");
    assert_eq!(err.to_string(), "upper(): argument must not be null");
    assert_eq!(eval("merge(null, {a = 1})"), eval("{a = 1}"));
    assert_eq!(eval("jsonencode(null)"), Ok(Value::String("null".into())));
}

#[test]
fn errors_say_why() {
    let err = call(
        "cidrsubnet",
        vec![
            Value::String("10.1.2.0/24".into()),
            Value::Number(4.0),
            Value::Number(16.0),
        ],
    )
    .expect_err("out of range");
    assert!(err.message.contains("does not accommodate"), "{err}");
}

#[test]
fn file_digests_and_fileset_read_files() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    std::fs::create_dir_all(d.join("policies/sub")).expect("mkdir");
    std::fs::write(d.join("policies/a.json"), "hello world").expect("write");
    std::fs::write(d.join("policies/sub/b.json"), "{}").expect("write");
    std::fs::write(d.join("policies/c.txt"), "x").expect("write");
    let p = d.display();
    let cases = [
        (
            format!(r#"filemd5("{p}/policies/a.json")"#),
            r#""5eb63bbbe01eeed093cb22bb8f5acdc3""#,
        ),
        (
            format!(r#"filesha1("{p}/policies/a.json")"#),
            r#""2aae6c35c94fcfb415dbe95f408b9ce91ee846ed""#,
        ),
        (
            format!(r#"filesha256("{p}/policies/a.json")"#),
            r#""b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9""#,
        ),
        (
            format!(r#"filebase64sha256("{p}/policies/a.json")"#),
            r#""uU0nuZNNPgilLlLX2n2r+sSE7+N6U4DukIj3rOLvzek=""#,
        ),
        (
            format!(r#"length(filesha512("{p}/policies/a.json"))"#),
            "128",
        ),
        (
            format!(r#"length(filebase64sha512("{p}/policies/a.json"))"#),
            "88",
        ),
        (
            format!(r#"fileset("{p}/policies", "*.json")"#),
            r#"["a.json"]"#,
        ),
        (
            format!(r#"fileset("{p}/policies", "**/*.json")"#),
            r#"["a.json", "sub/b.json"]"#,
        ),
        (
            format!(r#"fileset("{p}/policies", "{{a,c}}.*")"#),
            r#"["a.json", "c.txt"]"#,
        ),
    ];
    for (src, want) in cases {
        assert_eq!(eval(&src), eval(want), "{src}");
    }
}

/// The evaluator's functions that the cases above do not call: `file_digests_and_fileset_read_files`
/// and `linter/tests/file_functions.rs` do.
const EXERCISED_ELSEWHERE: &[&str] = &[
    "file",
    "fileexists",
    "filebase64",
    "templatefile",
    "filemd5",
    "filesha1",
    "filesha256",
    "filesha512",
    "filebase64sha256",
    "filebase64sha512",
    "fileset",
];

/// Every pure function of Terraform's documentation is evaluated: by this module, or by the
/// evaluator (then a case above exercises it).
#[test]
fn every_pure_terraform_function_is_implemented() {
    let mut missing = Vec::new();
    for (name, kind) in CATALOGUE {
        let done = match kind {
            Kind::Pure => is_implemented(name),
            Kind::Evaluator => {
                EXERCISED_ELSEWHERE.contains(name)
                    || CASES
                        .iter()
                        .any(|(src, _)| src.contains(&format!("{name}(")))
            }
            Kind::Impure | Kind::NotEvaluated(_) => !is_implemented(name),
        };
        if !done {
            missing.push(*name);
        }
    }
    assert!(missing.is_empty(), "not implemented: {missing:?}");
    assert_eq!(super::why_unknown("cidrsubnet"), None);
    assert_eq!(super::why_unknown("try"), None);
    assert!(super::why_unknown("timestamp").is_some());
    assert!(super::why_unknown("rsadecrypt").is_some());
    assert!(super::why_unknown("nosuchfunction").is_some());
    let pure = CATALOGUE
        .iter()
        .filter(|(_, k)| matches!(k, Kind::Pure | Kind::Evaluator))
        .count();
    assert!(pure >= 108, "{pure} pure functions catalogued");
}
