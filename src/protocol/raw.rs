//! The first decoding pass: JSON text to loosely-typed fields.
//!
//! Every known field is read as a borrowed [`Json`] value whatever its type,
//! so that the second pass ([`super::decode`]) can say precisely which field
//! was missing or of the wrong type instead of surfacing serde's first
//! complaint. Unknown fields are skipped without being built.
//!
//! This is serde_json's reading, for every frame; plainly written frames
//! (the common case) are read into the same [`RawEvent`] by the faster
//! [`super::scan`] first, which declines everything else to this one.

use std::borrow::Cow;
use std::fmt;

use serde::de::{
    self, Deserialize, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor,
};

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

/// Declares [`RawEvent`] from one list of fields, so that serde's derive
/// and the hand-written scanner ([`super::scan`]) read the same keys.
macro_rules! raw_event {
    ($($(#[$doc:meta])* $field:ident = $key:literal,)*) => {
        /// Every field protocol v1 knows, each read as whatever JSON it holds.
        /// `null` reads as absent.
        #[derive(Debug, Default, serde::Deserialize)]
        #[serde(default)]
        pub struct RawEvent<'a> {
            $($(#[$doc])* #[serde(borrow, rename = $key)] pub $field: Option<Json<'a>>,)*
            /// Every byte of the frame it came from is printable ASCII, so
            /// its strings need no cleaning: the scanner says so when it
            /// is; serde never does.
            #[serde(skip)]
            pub plain: bool,
        }

        /// The fields alone: how a frame was read is not part of them.
        impl PartialEq for RawEvent<'_> {
            fn eq(&self, other: &Self) -> bool {
                true $(&& self.$field == other.$field)*
            }
        }

        /// The fields by position in the list, to reach one by number.
        #[allow(non_camel_case_types)]
        #[derive(Clone, Copy)]
        enum Field { $($field,)* }

        /// Every key, in the list's order.
        pub const KEYS: &[&str] = &[$($key,)*];
        const FIELDS: &[Field] = &[$(Field::$field,)*];

        impl<'a> RawEvent<'a> {
            /// The field at `position` in [`KEYS`].
            pub fn field_at_mut(&mut self, position: usize) -> &mut Option<Json<'a>> {
                match FIELDS[position] {
                    $(Field::$field => &mut self.$field,)*
                }
            }
        }
    };
}

// Ordered by how often events carry them: the scanner tries keys with the
// same first byte in this order.
raw_event! {
    kind = "type",
    ts = "ts",
    event_id = "event_id",
    correlation_id = "correlation_id",
    project_id = "project_id",
    node = "node",
    stage = "stage",
    status = "status",
    duration_ms = "duration_ms",
    resources = "resources",
    name = "name",
    value = "value",
    unit = "unit",
    cpu_percent = "cpu_percent",
    memory_mb = "memory_mb",
    memory_percent = "memory_percent",
    queue_ms = "queue_ms",
    depends_on = "depends_on",
    attempt = "attempt",
    execution_id = "execution_id",
    task_id = "task_id",
    level = "level",
    message = "message",
    workflow = "workflow",
    variant = "variant",
    autonomous = "autonomous",
    error = "error",
    /// Legacy `performance_metrics` shape: the stage name.
    operation_type = "operation_type",
    /// Legacy `performance_metrics` shape: the stage's resources.
    resource_usage = "resource_usage",
    /// Legacy `performance_metrics` shape: its timestamp, when `ts` is absent.
    timestamp = "timestamp",
}

/// One member of a frame: an event object, or something that is not one.
// Built and consumed at once on the stack; boxing would allocate per event.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum RawMember<'a> {
    Event(RawEvent<'a>),
    /// The JSON type found where an object was expected.
    NotObject(&'static str),
}

/// What a frame's members were converted to, in order.
#[derive(Debug)]
pub enum Members<T> {
    One(T),
    /// A batch (a JSON array), possibly empty.
    Many(Vec<T>),
}

/// Parses a whole frame, converting each member with `convert` as soon as
/// it is parsed, so that the large [`RawEvent`] is never moved around or
/// collected. Fails if the frame as a whole is not JSON: then nothing of it
/// is kept, whatever its members were.
pub fn parse_frame<'a, T>(
    bytes: &'a [u8],
    convert: impl Fn(RawMember<'a>) -> T,
) -> Result<Members<T>, serde_json::Error> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let members = FrameSeed(&convert).deserialize(&mut de)?;
    de.end()?;
    Ok(members)
}

struct FrameSeed<'f, F>(&'f F);
struct MemberSeed<'f, F>(&'f F);

impl<'de, T, F: Fn(RawMember<'de>) -> T> DeserializeSeed<'de> for FrameSeed<'_, F> {
    type Value = Members<T>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Members<T>, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de, T, F: Fn(RawMember<'de>) -> T> DeserializeSeed<'de> for MemberSeed<'_, F> {
    type Value = T;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<T, D::Error> {
        d.deserialize_any(self)
    }
}

macro_rules! not_object {
    ($wrap:expr; $($method:ident($($ty:ty)?) => $name:literal),* $(,)?) => {
        $(fn $method<E>(self $(, _: $ty)?) -> Result<Self::Value, E> {
            Ok($wrap((self.0)(RawMember::NotObject($name))))
        })*
    };
}

fn read_event<'de, A: MapAccess<'de>>(map: A) -> Result<RawMember<'de>, A::Error> {
    RawEvent::deserialize(de::value::MapAccessDeserializer::new(map)).map(RawMember::Event)
}

impl<'de, T, F: Fn(RawMember<'de>) -> T> Visitor<'de> for FrameSeed<'_, F> {
    type Value = Members<T>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an event object or an array of them")
    }
    not_object! { Members::One;
        visit_unit() => "null", visit_bool(bool) => "boolean", visit_u64(u64) => "number",
        visit_i64(i64) => "number", visit_f64(f64) => "number", visit_str(&str) => "string",
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Members<T>, A::Error> {
        let mut members = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1024));
        while let Some(member) = seq.next_element_seed(MemberSeed(self.0))? {
            members.push(member);
        }
        Ok(Members::Many(members))
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Members<T>, A::Error> {
        Ok(Members::One((self.0)(read_event(map)?)))
    }
}

impl<'de, T, F: Fn(RawMember<'de>) -> T> Visitor<'de> for MemberSeed<'_, F> {
    type Value = T;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an event object")
    }
    not_object! { std::convert::identity;
        visit_unit() => "null", visit_bool(bool) => "boolean", visit_u64(u64) => "number",
        visit_i64(i64) => "number", visit_f64(f64) => "number", visit_str(&str) => "string",
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<T, A::Error> {
        // No batches inside batches: skip its contents whole.
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok((self.0)(RawMember::NotObject("array")))
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
        Ok((self.0)(read_event(map)?))
    }
}
