//! `format` and `formatlist`: Go-like verbs as Terraform implements them (go-cty's
//! `stdlib.Format`): `%v %#v %t %d %b %o %x %X %e %E %f %g %G %s %q %%`, flags `+ - # space 0`,
//! width, precision and explicit argument indexes (`%[2]s`).

use super::{kind, str_arg, to_num, to_str, FnResult, Reason};
use crate::model::{format_number, Value};

/// One parsed `%...` directive.
#[derive(Default)]
struct Spec {
    plus: bool,
    minus: bool,
    sharp: bool,
    space: bool,
    zero: bool,
    width: Option<usize>,
    precision: Option<usize>,
}

/// `format(spec, values...)`.
pub(super) fn format(args: Vec<Value>) -> FnResult {
    let spec = str_arg(&args, 0)?;
    // Terraform's `format` gives unknown for a null argument, as for an unknown one.
    if args[1..]
        .iter()
        .any(|a| a.contains_unknown() || a.is_null())
    {
        return Ok(Value::Unknown);
    }
    render(&spec, &args[1..]).map(Value::String)
}

/// `formatlist(spec, values...)`: lists (of one length) are iterated together, other values
/// repeat; an element whose values are unknown is unknown.
pub(super) fn formatlist(args: Vec<Value>) -> FnResult {
    let spec = str_arg(&args, 0)?;
    let rest = &args[1..];
    let mut len: Option<usize> = None;
    for (i, a) in rest.iter().enumerate() {
        if let Value::List(l) = a {
            match len {
                Some(n) if n != l.len() => {
                    return Err(Reason::new(format!(
                        "argument {} has length {}, which is inconsistent with {n} of a previous argument",
                        i + 1,
                        l.len()
                    )))
                }
                _ => len = Some(l.len()),
            }
        }
    }
    let mut out = Vec::new();
    for i in 0..len.unwrap_or(1) {
        let row: Vec<Value> = rest
            .iter()
            .map(|a| match a {
                Value::List(l) => l[i].clone(),
                other => other.clone(),
            })
            .collect();
        if row.iter().any(|a| a.contains_unknown() || a.is_null()) {
            out.push(Value::Unknown);
        } else {
            out.push(Value::String(render(&spec, &row)?));
        }
    }
    Ok(Value::List(out))
}

fn render(spec: &str, args: &[Value]) -> Result<String, Reason> {
    let mut out = String::with_capacity(spec.len());
    let mut next = 0usize;
    let mut used = vec![false; args.len()];
    let mut chars = spec.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let mut s = Spec::default();
        while let Some(&f) = chars.peek() {
            match f {
                '+' => s.plus = true,
                '-' => s.minus = true,
                '#' => s.sharp = true,
                ' ' => s.space = true,
                '0' => s.zero = true,
                _ => break,
            }
            chars.next();
        }
        if chars.peek() == Some(&'[') {
            chars.next();
            let mut n = String::new();
            for d in chars.by_ref() {
                if d == ']' {
                    break;
                }
                n.push(d);
            }
            let i: usize = n
                .parse()
                .ok()
                .filter(|i| *i >= 1)
                .ok_or_else(|| Reason::new(format!("invalid argument index [{n}]")))?;
            next = i - 1;
        }
        let digits = |chars: &mut std::iter::Peekable<std::str::Chars<'_>>| {
            let mut n = String::new();
            while let Some(d) = chars.peek().filter(|d| d.is_ascii_digit()) {
                n.push(*d);
                chars.next();
            }
            n.parse::<usize>().ok()
        };
        s.width = digits(&mut chars);
        if chars.peek() == Some(&'.') {
            chars.next();
            s.precision = Some(digits(&mut chars).unwrap_or(0));
        }
        let verb = chars
            .next()
            .ok_or_else(|| Reason::new("format string ends with an incomplete verb"))?;
        if verb == '%' {
            out.push('%');
            continue;
        }
        let v = args.get(next).ok_or_else(|| {
            Reason::new(format!(
                "not enough arguments for %{verb} in the format string"
            ))
        })?;
        used[next] = true;
        next += 1;
        let body = verb_body(verb, &s, v)?;
        pad(&mut out, &s, verb, body);
    }
    if let Some(i) = used.iter().position(|u| !u) {
        return Err(Reason::new(format!(
            "too many arguments; argument {} is not used by the format string",
            i + 1
        )));
    }
    Ok(out)
}

/// Appends `body` padded to the width (zeros after the sign for numbers with `0`).
fn pad(out: &mut String, s: &Spec, verb: char, body: String) {
    let len = body.chars().count();
    let Some(w) = s.width.filter(|w| *w > len) else {
        out.push_str(&body);
        return;
    };
    let fill = w - len;
    if s.minus {
        out.push_str(&body);
        out.extend(std::iter::repeat_n(' ', fill));
    } else if s.zero && "dboxXeEfgG".contains(verb) {
        let sign_len = usize::from(body.starts_with(['+', '-', ' ']));
        out.push_str(&body[..sign_len]);
        out.extend(std::iter::repeat_n('0', fill));
        out.push_str(&body[sign_len..]);
    } else {
        out.extend(std::iter::repeat_n(' ', fill));
        out.push_str(&body);
    }
}

fn sign(s: &Spec, negative: bool) -> &'static str {
    match (negative, s.plus, s.space) {
        (true, _, _) => "-",
        (false, true, _) => "+",
        (false, false, true) => " ",
        _ => "",
    }
}

fn verb_body(verb: char, s: &Spec, v: &Value) -> Result<String, Reason> {
    Ok(match verb {
        'v' if s.sharp => v.to_json().to_string(),
        'v' => match v {
            Value::List(_) | Value::Map(_) => v.to_json().to_string(),
            _ => to_str(v)?,
        },
        's' => {
            let text = to_str(v)?;
            match s.precision {
                Some(p) => text.chars().take(p).collect(),
                None => text,
            }
        }
        'q' => serde_json::Value::String(to_str(v)?).to_string(),
        't' => match v.as_bool() {
            Some(b) => b.to_string(),
            None => return Err(Reason::new(format!("%t requires a bool, got {}", kind(v)))),
        },
        'd' | 'b' | 'o' | 'x' | 'X' => {
            let n = to_num(v)?;
            if n.fract() != 0.0 {
                return Err(Reason::new(format!(
                    "%{verb} requires a whole number, got {}",
                    format_number(n)
                )));
            }
            let m = n.abs() as u128;
            let digits = match verb {
                'd' => m.to_string(),
                'b' => format!("{m:b}"),
                'o' if s.sharp => format!("0{m:o}"),
                'o' => format!("{m:o}"),
                'x' if s.sharp => format!("0x{m:x}"),
                'x' => format!("{m:x}"),
                'X' if s.sharp => format!("0X{m:X}"),
                _ => format!("{m:X}"),
            };
            format!("{}{digits}", sign(s, n < 0.0))
        }
        'e' | 'E' | 'f' | 'g' | 'G' => {
            let n = to_num(v)?;
            let body = float(verb, s.precision, n.abs());
            format!("{}{body}", sign(s, n.is_sign_negative() && n != 0.0))
        }
        other => return Err(Reason::new(format!("unsupported format verb %{other}"))),
    })
}

/// A non-negative number in `%e`, `%f` or `%g` notation, as Go prints it.
fn float(verb: char, precision: Option<usize>, n: f64) -> String {
    match verb {
        'f' => format!("{:.*}", precision.unwrap_or(6), n),
        'e' | 'E' => {
            let s = go_exponent(&format!("{:.*e}", precision.unwrap_or(6), n));
            if verb == 'E' {
                s.to_uppercase()
            } else {
                s
            }
        }
        _ => {
            // %g: the shortest representation, exponent form for large or small exponents.
            let exp = if n == 0.0 {
                0
            } else {
                n.log10().floor() as i32
            };
            let limit = precision.map_or(6, |p| p.max(1) as i32);
            let s = if exp < -4 || exp >= limit {
                let raw = match precision {
                    Some(p) => format!("{:.*e}", p.max(1) - 1, n),
                    None => format!("{n:e}"),
                };
                go_exponent(&raw)
            } else {
                match precision {
                    Some(p) => {
                        let decimals = (p.max(1) as i32 - 1 - exp).max(0) as usize;
                        let t = format!("{n:.decimals$}");
                        if t.contains('.') {
                            t.trim_end_matches('0').trim_end_matches('.').to_string()
                        } else {
                            t
                        }
                    }
                    None => format!("{n}"),
                }
            };
            if verb == 'G' {
                s.to_uppercase()
            } else {
                s
            }
        }
    }
}

/// Rust's `1.5e3` exponent written as Go writes it: `1.5e+03`.
fn go_exponent(s: &str) -> String {
    match s.split_once('e') {
        Some((mantissa, exp)) => {
            let (sign, digits) = match exp.strip_prefix('-') {
                Some(d) => ('-', d),
                None => ('+', exp),
            };
            format!("{mantissa}e{sign}{digits:0>2}")
        }
        None => s.to_string(),
    }
}
