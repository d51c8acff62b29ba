//! The first decoding pass: JSON text to loosely-typed fields.
//!
//! Every known field is read as a borrowed [`Json`] value whatever its type,
//! so that the second pass ([`super::decode`]) can say precisely which field
//! was missing or of the wrong type instead of surfacing serde's first
//! complaint. Unknown fields are skipped without being built.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

/// A JSON value whose strings borrow from the input where possible.
#[derive(Debug, Clone, PartialEq)]
pub enum Json<'a> {
    Null,
    Bool(bool),
    U64(u64),
    I64(i64),
    F64(f64),
    Str(Cow<'a, str>),
    Array(Vec<Json<'a>>),
    Object(Vec<(Cow<'a, str>, Json<'a>)>),
}

impl<'a> Json<'a> {
    /// The JSON type name, for "expected X, found Y" messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Json::Null => "null",
            Json::Bool(_) => "boolean",
            Json::U64(_) | Json::I64(_) | Json::F64(_) => "number",
            Json::Str(_) => "string",
            Json::Array(_) => "array",
            Json::Object(_) => "object",
        }
    }

    pub fn as_f64(&self) -> Option<f64> {
        match *self {
            Json::U64(n) => Some(n as f64),
            Json::I64(n) => Some(n as f64),
            Json::F64(n) => Some(n),
            _ => None,
        }
    }

    /// Looks a key up in an object (objects here are small: `error`,
    /// `resources`).
    pub fn get(&self, key: &str) -> Option<&Json<'a>> {
        match self {
            Json::Object(fields) => fields.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Json<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = Json<'a>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_unit<E>(self) -> Result<Json<'a>, E> {
                Ok(Json::Null)
            }
            fn visit_none<E>(self) -> Result<Json<'a>, E> {
                Ok(Json::Null)
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Json<'a>, D::Error> {
                Json::deserialize(d)
            }
            fn visit_bool<E>(self, v: bool) -> Result<Json<'a>, E> {
                Ok(Json::Bool(v))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Json<'a>, E> {
                Ok(Json::U64(v))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Json<'a>, E> {
                Ok(Json::I64(v))
            }
            fn visit_f64<E>(self, v: f64) -> Result<Json<'a>, E> {
                Ok(Json::F64(v))
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Json<'a>, E> {
                Ok(Json::Str(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Json<'a>, E> {
                Ok(Json::Str(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E>(self, v: String) -> Result<Json<'a>, E> {
                Ok(Json::Str(Cow::Owned(v)))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Json<'a>, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element()? {
                    items.push(item);
                }
                Ok(Json::Array(items))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Json<'a>, A::Error> {
                let mut fields = Vec::new();
                while let Some(key) = map.next_key::<CowStr<'a>>()? {
                    fields.push((key.0, map.next_value()?));
                }
                Ok(Json::Object(fields))
            }
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}

/// A string that borrows from the input when it holds no escapes.
struct CowStr<'a>(Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for CowStr<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = CowStr<'a>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<CowStr<'a>, E> {
                Ok(CowStr(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<CowStr<'a>, E> {
                Ok(CowStr(Cow::Owned(v.to_owned())))
            }
        }
        d.deserialize_str(V(std::marker::PhantomData))
    }
}

/// Every field protocol v1 knows, each read as whatever JSON it holds.
/// `null` reads as absent.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct RawEvent<'a> {
    #[serde(borrow, rename = "type")]
    pub kind: Option<Json<'a>>,
    #[serde(borrow)]
    pub ts: Option<Json<'a>>,
    #[serde(borrow)]
    pub correlation_id: Option<Json<'a>>,
    #[serde(borrow)]
    pub project_id: Option<Json<'a>>,
    #[serde(borrow)]
    pub execution_id: Option<Json<'a>>,
    #[serde(borrow)]
    pub task_id: Option<Json<'a>>,
    #[serde(borrow)]
    pub node: Option<Json<'a>>,
    #[serde(borrow)]
    pub event_id: Option<Json<'a>>,
    #[serde(borrow)]
    pub workflow: Option<Json<'a>>,
    #[serde(borrow)]
    pub variant: Option<Json<'a>>,
    #[serde(borrow)]
    pub stage: Option<Json<'a>>,
    #[serde(borrow)]
    pub depends_on: Option<Json<'a>>,
    #[serde(borrow)]
    pub attempt: Option<Json<'a>>,
    #[serde(borrow)]
    pub queue_ms: Option<Json<'a>>,
    #[serde(borrow)]
    pub status: Option<Json<'a>>,
    #[serde(borrow)]
    pub duration_ms: Option<Json<'a>>,
    #[serde(borrow)]
    pub error: Option<Json<'a>>,
    #[serde(borrow)]
    pub resources: Option<Json<'a>>,
    #[serde(borrow)]
    pub autonomous: Option<Json<'a>>,
    #[serde(borrow)]
    pub name: Option<Json<'a>>,
    #[serde(borrow)]
    pub value: Option<Json<'a>>,
    #[serde(borrow)]
    pub unit: Option<Json<'a>>,
    #[serde(borrow)]
    pub cpu_percent: Option<Json<'a>>,
    #[serde(borrow)]
    pub memory_mb: Option<Json<'a>>,
    #[serde(borrow)]
    pub memory_percent: Option<Json<'a>>,
    #[serde(borrow)]
    pub level: Option<Json<'a>>,
    #[serde(borrow)]
    pub message: Option<Json<'a>>,
    /// Legacy `performance_metrics` shape: the stage name.
    #[serde(borrow)]
    pub operation_type: Option<Json<'a>>,
    /// Legacy `performance_metrics` shape: the stage's resources.
    #[serde(borrow)]
    pub resource_usage: Option<Json<'a>>,
    /// Legacy `performance_metrics` shape: its timestamp, when `ts` is absent.
    #[serde(borrow)]
    pub timestamp: Option<Json<'a>>,
}

/// One member of a frame: an event object, or something that is not one.
#[derive(Debug)]
pub enum RawItem<'a> {
    Event(Box<RawEvent<'a>>),
    /// The JSON type found where an object was expected.
    NotObject(&'static str),
}

/// A whole frame or line: one item, or a batch (a JSON array) of them.
#[derive(Debug)]
pub enum RawFrame<'a> {
    One(RawItem<'a>),
    Batch(Vec<RawItem<'a>>),
}

impl<'de: 'a, 'a> Deserialize<'de> for RawItem<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ItemVisitor(std::marker::PhantomData))
    }
}

struct ItemVisitor<'a>(std::marker::PhantomData<&'a ()>);

macro_rules! not_object {
    ($($method:ident($($ty:ty)?) => $name:literal),* $(,)?) => {
        $(fn $method<E>(self $(, _: $ty)?) -> Result<Self::Value, E> {
            Ok(Self::Value::from(RawItem::NotObject($name)))
        })*
    };
}

impl<'de: 'a, 'a> Visitor<'de> for ItemVisitor<'a> {
    type Value = RawItem<'a>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an event object")
    }
    not_object! {
        visit_unit() => "null", visit_bool(bool) => "boolean", visit_u64(u64) => "number",
        visit_i64(i64) => "number", visit_f64(f64) => "number", visit_str(&str) => "string",
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<RawItem<'a>, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(RawItem::NotObject("array"))
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<RawItem<'a>, A::Error> {
        let ev = RawEvent::deserialize(de::value::MapAccessDeserializer::new(map))?;
        Ok(RawItem::Event(Box::new(ev)))
    }
}

impl<'a> From<RawItem<'a>> for RawFrame<'a> {
    fn from(item: RawItem<'a>) -> Self {
        RawFrame::One(item)
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for RawFrame<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = RawFrame<'a>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an event object or an array of them")
            }
            not_object! {
                visit_unit() => "null", visit_bool(bool) => "boolean", visit_u64(u64) => "number",
                visit_i64(i64) => "number", visit_f64(f64) => "number", visit_str(&str) => "string",
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<RawFrame<'a>, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element::<RawItem<'a>>()? {
                    items.push(item);
                }
                Ok(RawFrame::Batch(items))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<RawFrame<'a>, A::Error> {
                ItemVisitor(std::marker::PhantomData)
                    .visit_map(map)
                    .map(RawFrame::One)
            }
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}
