//! `calculator`: arithmetic on numbers: `+ - * / % ^`, parentheses, unary minus.

use std::sync::Arc;

use serde::Deserialize;
use zeroclaw_plugin_api::{
    FactoryError, PluginContext, Tool, ToolEffect, ToolError, ToolSpec, async_trait, register_tool,
};

register_tool! {
    plugin: "calculator",
    description: "evaluates arithmetic expressions",
    factory: build,
}

fn build(_ctx: &PluginContext) -> Result<Vec<Arc<dyn Tool>>, FactoryError> {
    Ok(vec![Arc::new(Calculator {
        spec: ToolSpec {
            name: "calculator".into(),
            description: "Evaluates an arithmetic expression with + - * / % ^ and parentheses.".into(),
            parameters: serde_json::json!({
                "type": "object",
                "properties": {"expression": {"type": "string", "maxLength": 1000}},
                "required": ["expression"],
                "additionalProperties": false
            }),
            effect: ToolEffect::Read,
        },
    })])
}

struct Calculator {
    spec: ToolSpec,
}

#[derive(Deserialize)]
struct Args {
    expression: String,
}

#[async_trait]
impl Tool for Calculator {
    fn spec(&self) -> &ToolSpec {
        &self.spec
    }

    async fn invoke(&self, args: &serde_json::Value) -> Result<String, ToolError> {
        let args = Args::deserialize(args).map_err(|e| ToolError::InvalidArguments(e.to_string()))?;
        let value = evaluate(&args.expression).map_err(ToolError::InvalidArguments)?;
        Ok(format_number(value))
    }
}

fn format_number(value: f64) -> String {
    if value.fract() == 0.0 && value.abs() < 1e15 { format!("{}", value as i64) } else { format!("{value}") }
}

/// Evaluates `text`; the error says where it stopped making sense.
pub fn evaluate(text: &str) -> Result<f64, String> {
    let mut parser = Parser { chars: text.chars().filter(|c| !c.is_whitespace()).collect(), pos: 0, depth: 0 };
    let value = parser.sum()?;
    if parser.pos != parser.chars.len() {
        return Err(format!("unexpected `{}` at position {}", parser.chars[parser.pos], parser.pos + 1));
    }
    if !value.is_finite() {
        return Err("the result is not a finite number (division by zero?)".into());
    }
    Ok(value)
}

/// Recursive descent: sum := product (('+'|'-') product)*, product := power (('*'|'/'|'%') power)*,
/// power := unary ('^' power)?, unary := '-' unary | atom, atom := number | '(' sum ')'.
struct Parser {
    chars: Vec<char>,
    pos: usize,
    depth: usize,
}

impl Parser {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn sum(&mut self) -> Result<f64, String> {
        let mut value = self.product()?;
        while let Some(op @ ('+' | '-')) = self.peek() {
            self.pos += 1;
            let rhs = self.product()?;
            value = if op == '+' { value + rhs } else { value - rhs };
        }
        Ok(value)
    }

    fn product(&mut self) -> Result<f64, String> {
        let mut value = self.power()?;
        while let Some(op @ ('*' | '/' | '%')) = self.peek() {
            self.pos += 1;
            let rhs = self.power()?;
            value = match op {
                '*' => value * rhs,
                '/' => value / rhs,
                _ => value % rhs,
            };
        }
        Ok(value)
    }

    fn power(&mut self) -> Result<f64, String> {
        let base = self.unary()?;
        if self.peek() == Some('^') {
            self.pos += 1;
            let exponent = self.power()?;
            return Ok(base.powf(exponent));
        }
        Ok(base)
    }

    fn unary(&mut self) -> Result<f64, String> {
        if self.peek() == Some('-') {
            self.pos += 1;
            return Ok(-self.unary()?);
        }
        self.atom()
    }

    fn atom(&mut self) -> Result<f64, String> {
        match self.peek() {
            Some('(') => {
                self.depth += 1;
                if self.depth > 100 {
                    return Err("parentheses nested too deeply".into());
                }
                self.pos += 1;
                let value = self.sum()?;
                if self.peek() != Some(')') {
                    return Err(format!("missing `)` at position {}", self.pos + 1));
                }
                self.pos += 1;
                self.depth -= 1;
                Ok(value)
            }
            Some(c) if c.is_ascii_digit() || c == '.' => {
                let start = self.pos;
                while self.peek().is_some_and(|c| c.is_ascii_digit() || c == '.') {
                    self.pos += 1;
                }
                let text: String = self.chars[start..self.pos].iter().collect();
                text.parse::<f64>().map_err(|_| format!("`{text}` is not a number"))
            }
            Some(c) => Err(format!("unexpected `{c}` at position {}", self.pos + 1)),
            None => Err("the expression ends too early".into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arithmetic_follows_precedence() {
        assert_eq!(evaluate("2 + 3 * 4").unwrap(), 14.0);
        assert_eq!(evaluate("(2 + 3) * 4").unwrap(), 20.0);
        assert_eq!(evaluate("2 ^ 3 ^ 2").unwrap(), 512.0);
        assert_eq!(evaluate("-3 + 10 % 4").unwrap(), -1.0);
        assert_eq!(evaluate("1.5 * 2").unwrap(), 3.0);
        assert_eq!(format_number(evaluate("7 / 2").unwrap()), "3.5");
        assert_eq!(format_number(evaluate("6 / 2").unwrap()), "3");
    }

    #[test]
    fn bad_input_is_an_error_not_a_panic() {
        assert!(evaluate("1 / 0").unwrap_err().contains("finite"));
        assert!(evaluate("2 +").unwrap_err().contains("ends too early"));
        assert!(evaluate("2 $ 3").unwrap_err().contains("`$`"));
        assert!(evaluate("(1").unwrap_err().contains("missing `)`"));
        assert!(evaluate(&"(".repeat(500)).unwrap_err().contains("nested"));
        assert!(evaluate("1.2.3").unwrap_err().contains("not a number"));
    }
}
