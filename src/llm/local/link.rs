//! Linking: a question's tokens become items — keywords the engine understands, mentions of
//! tables and columns, values found in the data, numbers — and whatever is left is unknown.

use std::collections::HashMap;

use super::catalog::{Catalog, Kind};
use super::words::{lemma, name_lemmas, tokenize, Token, NUMBER_WORDS};

/// Aggregate functions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Agg {
    Avg,
    Sum,
    Min,
    Max,
}

impl Agg {
    pub fn sql(self) -> &'static str {
        match self {
            Agg::Avg => "avg",
            Agg::Sum => "sum",
            Agg::Min => "min",
            Agg::Max => "max",
        }
    }
}

/// Comparison operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cmp {
    Eq,
    Ne,
    Gt,
    Ge,
    Lt,
    Le,
    Between,
    /// Matches a `LIKE` pattern, case-insensitively (the text is lower-cased on both sides).
    Like,
    NotLike,
}

impl Cmp {
    pub fn sql(self) -> &'static str {
        match self {
            Cmp::Eq => "=",
            Cmp::Ne => "<>",
            Cmp::Gt => ">",
            Cmp::Ge => ">=",
            Cmp::Lt => "<",
            Cmp::Le => "<=",
            Cmp::Between => "BETWEEN",
            Cmp::Like => "LIKE",
            Cmp::NotLike => "NOT LIKE",
        }
    }

    pub fn negated(self) -> Option<Cmp> {
        Some(match self {
            Cmp::Eq => Cmp::Ne,
            Cmp::Ne => Cmp::Eq,
            Cmp::Gt => Cmp::Le,
            Cmp::Ge => Cmp::Lt,
            Cmp::Lt => Cmp::Ge,
            Cmp::Le => Cmp::Gt,
            Cmp::Between => return None,
            Cmp::Like => Cmp::NotLike,
            Cmp::NotLike => Cmp::Like,
        })
    }
}

/// Sort direction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dir {
    Asc,
    Desc,
}

/// A word that names a quantity implicitly ("older" is about age).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Implied {
    /// Column name words that carry the quantity, in order of preference.
    pub words: &'static [&'static str],
    /// Direction for "more of it".
    pub dir: Dir,
}

/// What a question word asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Asked {
    When,
    Where,
    Who,
}

/// Relative date windows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Window {
    ThisYear,
    LastYear,
    ThisMonth,
    LastMonth,
    Today,
    Yesterday,
}

/// What a keyword means.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kw {
    /// "how many", "number of".
    Count,
    /// "total number of": a count, or the sum of a column that holds a count.
    TotalCount,
    /// "average", "total", "maximum".
    Agg(Agg),
    /// "highest", "most", "lowest", "fewest".
    Extreme(Dir),
    /// "distinct", "different".
    Distinct,
    /// "more than", "at least", "before".
    Cmp(Cmp),
    /// "older than": a comparison about an implied quantity.
    CmpAdj(Cmp, Implied),
    /// "youngest": an extreme of an implied quantity.
    SuperAdj(Implied),
    /// "ordered by".
    Order,
    /// "descending", "from highest to lowest".
    Dir(Dir),
    /// "in descending order of": ordered by what follows, in this direction.
    OrderDir(Dir),
    /// "alphabetically": ascending by the listed name.
    Alphabetical,
    /// "for each", "per".
    Group,
    /// "by" alone: group when counting, else unclear.
    By,
    /// "top".
    Top,
    /// "not", "other than".
    Not,
    And,
    Or,
    /// "named", "called", "titled".
    Named,
    /// "all information about".
    Star,
    /// "last month", "in 2023" is a number.
    Window(Window),
    /// "in the last N days": the number follows.
    LastN,
    /// "how much": sum or price, unclear.
    Unclear,
    /// "without any", "that have no", "never": rows no row of the next table refers to.
    Without,
    /// "with at least one", "that have any": rows some row of the next table refers to.
    WithAny,
    /// "Which country …", "What singer …": the answer is rows of that table, not a number.
    Entity,
    /// "When …", "Where …", "Who …": the answer is a date, a place, or someone's name.
    Asks(Asked),
    /// "both … and …": rows linked to each of two values, not to one that is both.
    Both,
    /// "the most common", "the least frequent": the value (or row) that occurs most or least.
    Frequent(Dir),
    /// "containing", "starts with", "ends with": part of a text value.
    Part(Part),
}

/// Where a piece of text sits in a value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Part {
    Anywhere,
    Start,
    End,
}

const DESC: Dir = Dir::Desc;
const ASC: Dir = Dir::Asc;
const AGE: &[&str] = &["age"];
const HEIGHT: &[&str] = &["height"];
/// "Short" is about height where there is one, else length or duration ("the shortest trip").
const SHORT: &[&str] = &["height", "length", "duration"];
const LENGTH: &[&str] = &["length", "duration"];
const WEIGHT: &[&str] = &["weight"];
const PRICE: &[&str] = &["price", "cost"];
const POPULATION: &[&str] = &["population"];

/// Keywords by their words (lemmas). Articles are skipped on both sides when matching.
const KEYWORDS: &[(&str, Kw)] = &[
    ("how many", Kw::Count),
    ("number of", Kw::Count),
    ("total number of", Kw::TotalCount),
    ("count of", Kw::Count),
    ("count", Kw::Count),
    ("how much", Kw::Unclear),
    ("average", Kw::Agg(Agg::Avg)),
    ("avg", Kw::Agg(Agg::Avg)),
    ("mean", Kw::Agg(Agg::Avg)),
    ("sum of", Kw::Agg(Agg::Sum)),
    ("sum", Kw::Agg(Agg::Sum)),
    ("total", Kw::Agg(Agg::Sum)),
    ("combined", Kw::Agg(Agg::Sum)),
    ("maximum", Kw::Agg(Agg::Max)),
    ("max", Kw::Agg(Agg::Max)),
    ("minimum", Kw::Agg(Agg::Min)),
    ("min", Kw::Agg(Agg::Min)),
    ("highest", Kw::Extreme(DESC)),
    ("largest", Kw::Extreme(DESC)),
    ("biggest", Kw::Extreme(DESC)),
    ("greatest", Kw::Extreme(DESC)),
    ("most common", Kw::Frequent(DESC)),
    ("most frequent", Kw::Frequent(DESC)),
    ("least common", Kw::Frequent(ASC)),
    ("least frequent", Kw::Frequent(ASC)),
    ("most", Kw::Extreme(DESC)),
    ("lowest", Kw::Extreme(ASC)),
    ("smallest", Kw::Extreme(ASC)),
    ("least", Kw::Extreme(ASC)),
    ("fewest", Kw::Extreme(ASC)),
    ("distinct", Kw::Distinct),
    ("different", Kw::Distinct),
    ("unique", Kw::Distinct),
    ("greater than", Kw::Cmp(Cmp::Gt)),
    ("more than", Kw::Cmp(Cmp::Gt)),
    ("larger than", Kw::Cmp(Cmp::Gt)),
    ("bigger than", Kw::Cmp(Cmp::Gt)),
    ("higher than", Kw::Cmp(Cmp::Gt)),
    ("above", Kw::Cmp(Cmp::Gt)),
    ("over", Kw::Cmp(Cmp::Gt)),
    ("exceeding", Kw::Cmp(Cmp::Gt)),
    ("after", Kw::Cmp(Cmp::Gt)),
    ("later than", Kw::Cmp(Cmp::Gt)),
    ("at least", Kw::Cmp(Cmp::Ge)),
    ("no less than", Kw::Cmp(Cmp::Ge)),
    ("not less than", Kw::Cmp(Cmp::Ge)),
    ("greater than or equal to", Kw::Cmp(Cmp::Ge)),
    ("or more", Kw::Cmp(Cmp::Ge)),
    ("or later", Kw::Cmp(Cmp::Ge)),
    ("or above", Kw::Cmp(Cmp::Ge)),
    ("or higher", Kw::Cmp(Cmp::Ge)),
    ("or greater", Kw::Cmp(Cmp::Ge)),
    ("or earlier", Kw::Cmp(Cmp::Le)),
    ("or below", Kw::Cmp(Cmp::Le)),
    ("or lower", Kw::Cmp(Cmp::Le)),
    ("less than", Kw::Cmp(Cmp::Lt)),
    ("fewer than", Kw::Cmp(Cmp::Lt)),
    ("smaller than", Kw::Cmp(Cmp::Lt)),
    ("lower than", Kw::Cmp(Cmp::Lt)),
    ("below", Kw::Cmp(Cmp::Lt)),
    ("under", Kw::Cmp(Cmp::Lt)),
    ("before", Kw::Cmp(Cmp::Lt)),
    ("earlier than", Kw::Cmp(Cmp::Lt)),
    ("at most", Kw::Cmp(Cmp::Le)),
    ("no more than", Kw::Cmp(Cmp::Le)),
    ("not more than", Kw::Cmp(Cmp::Le)),
    ("less than or equal to", Kw::Cmp(Cmp::Le)),
    ("or less", Kw::Cmp(Cmp::Le)),
    ("or fewer", Kw::Cmp(Cmp::Le)),
    ("between", Kw::Cmp(Cmp::Between)),
    ("equal to", Kw::Cmp(Cmp::Eq)),
    ("equals", Kw::Cmp(Cmp::Eq)),
    ("year old", Kw::CmpAdj(Cmp::Eq, Implied { words: AGE, dir: DESC })),
    ("older than", Kw::CmpAdj(Cmp::Gt, Implied { words: AGE, dir: DESC })),
    ("younger than", Kw::CmpAdj(Cmp::Lt, Implied { words: AGE, dir: DESC })),
    ("taller than", Kw::CmpAdj(Cmp::Gt, Implied { words: HEIGHT, dir: DESC })),
    ("shorter than", Kw::CmpAdj(Cmp::Lt, Implied { words: SHORT, dir: DESC })),
    ("longer than", Kw::CmpAdj(Cmp::Gt, Implied { words: LENGTH, dir: DESC })),
    ("heavier than", Kw::CmpAdj(Cmp::Gt, Implied { words: WEIGHT, dir: DESC })),
    ("lighter than", Kw::CmpAdj(Cmp::Lt, Implied { words: WEIGHT, dir: DESC })),
    ("cheaper than", Kw::CmpAdj(Cmp::Lt, Implied { words: PRICE, dir: DESC })),
    ("more expensive than", Kw::CmpAdj(Cmp::Gt, Implied { words: PRICE, dir: DESC })),
    ("oldest", Kw::SuperAdj(Implied { words: AGE, dir: DESC })),
    ("youngest", Kw::SuperAdj(Implied { words: AGE, dir: ASC })),
    ("tallest", Kw::SuperAdj(Implied { words: HEIGHT, dir: DESC })),
    ("shortest", Kw::SuperAdj(Implied { words: SHORT, dir: ASC })),
    ("longest", Kw::SuperAdj(Implied { words: LENGTH, dir: DESC })),
    ("heaviest", Kw::SuperAdj(Implied { words: WEIGHT, dir: DESC })),
    ("lightest", Kw::SuperAdj(Implied { words: WEIGHT, dir: ASC })),
    ("cheapest", Kw::SuperAdj(Implied { words: PRICE, dir: ASC })),
    ("most expensive", Kw::SuperAdj(Implied { words: PRICE, dir: DESC })),
    ("least expensive", Kw::SuperAdj(Implied { words: PRICE, dir: ASC })),
    ("more populous than", Kw::CmpAdj(Cmp::Gt, Implied { words: POPULATION, dir: DESC })),
    ("less populous than", Kw::CmpAdj(Cmp::Lt, Implied { words: POPULATION, dir: DESC })),
    ("most populous", Kw::SuperAdj(Implied { words: POPULATION, dir: DESC })),
    ("least populous", Kw::SuperAdj(Implied { words: POPULATION, dir: ASC })),
    ("order by", Kw::Order),
    ("ordered by", Kw::Order),
    ("sorted by", Kw::Order),
    ("sort by", Kw::Order),
    ("ranked by", Kw::Order),
    ("in order of", Kw::Order),
    ("order of", Kw::Order),
    ("in ascending order of", Kw::OrderDir(ASC)),
    ("in descending order of", Kw::OrderDir(DESC)),
    ("in increasing order of", Kw::OrderDir(ASC)),
    ("in decreasing order of", Kw::OrderDir(DESC)),
    ("ascending order of", Kw::OrderDir(ASC)),
    ("descending order of", Kw::OrderDir(DESC)),
    ("in ascending order", Kw::Dir(ASC)),
    ("in descending order", Kw::Dir(DESC)),
    ("in increasing order", Kw::Dir(ASC)),
    ("in decreasing order", Kw::Dir(DESC)),
    ("ascending", Kw::Dir(ASC)),
    ("descending", Kw::Dir(DESC)),
    ("asc", Kw::Dir(ASC)),
    ("desc", Kw::Dir(DESC)),
    ("increasing", Kw::Dir(ASC)),
    ("decreasing", Kw::Dir(DESC)),
    ("from highest to lowest", Kw::Dir(DESC)),
    ("from high to low", Kw::Dir(DESC)),
    ("from largest to smallest", Kw::Dir(DESC)),
    ("from most to least", Kw::Dir(DESC)),
    ("from lowest to highest", Kw::Dir(ASC)),
    ("from low to high", Kw::Dir(ASC)),
    ("from smallest to largest", Kw::Dir(ASC)),
    ("from least to most", Kw::Dir(ASC)),
    ("in alphabetical order", Kw::Alphabetical),
    ("alphabetical order", Kw::Alphabetical),
    ("alphabetically", Kw::Alphabetical),
    ("in alphabetical order by", Kw::Order),
    ("alphabetically by", Kw::Order),
    ("for each", Kw::Group),
    ("in each", Kw::Group),
    ("of each", Kw::Group),
    ("from each", Kw::Group),
    ("for every", Kw::Group),
    ("by each", Kw::Group),
    ("per", Kw::Group),
    ("each", Kw::Group),
    ("grouped by", Kw::Group),
    ("group by", Kw::Group),
    ("broken down by", Kw::Group),
    ("by", Kw::By),
    ("top", Kw::Top),
    ("without", Kw::Without),
    ("without any", Kw::Without),
    ("with no", Kw::Without),
    ("have no", Kw::Without),
    ("has no", Kw::Without),
    ("do not have any", Kw::Without),
    ("do not have", Kw::Without),
    ("does not have any", Kw::Without),
    ("does not have", Kw::Without),
    ("did not have", Kw::Without),
    ("never", Kw::Without),
    ("no", Kw::Without),
    ("not by any", Kw::Without),
    ("not in any", Kw::Without),
    ("by no", Kw::Without),
    ("in no", Kw::Without),
    ("at least one", Kw::WithAny),
    ("with any", Kw::WithAny),
    ("have any", Kw::WithAny),
    ("has any", Kw::WithAny),
    ("had any", Kw::WithAny),
    ("not", Kw::Not),
    ("other than", Kw::Not),
    ("except", Kw::Not),
    ("excluding", Kw::Not),
    ("and", Kw::And),
    (",", Kw::And),
    ("as well as", Kw::And),
    ("along with", Kw::And),
    ("together with", Kw::And),
    ("or", Kw::Or),
    ("both", Kw::Both),
    ("named", Kw::Named),
    ("contain", Kw::Part(Part::Anywhere)),
    ("contains", Kw::Part(Part::Anywhere)),
    ("containing", Kw::Part(Part::Anywhere)),
    ("include", Kw::Part(Part::Anywhere)),
    ("includes", Kw::Part(Part::Anywhere)),
    ("start with", Kw::Part(Part::Start)),
    ("starts with", Kw::Part(Part::Start)),
    ("starting with", Kw::Part(Part::Start)),
    ("begin with", Kw::Part(Part::Start)),
    ("begins with", Kw::Part(Part::Start)),
    ("beginning with", Kw::Part(Part::Start)),
    ("end with", Kw::Part(Part::End)),
    ("ends with", Kw::Part(Part::End)),
    ("ending with", Kw::Part(Part::End)),
    ("ending in", Kw::Part(Part::End)),
    ("ends in", Kw::Part(Part::End)),
    ("called", Kw::Named),
    ("titled", Kw::Named),
    ("all information", Kw::Star),
    ("all info", Kw::Star),
    ("all detail", Kw::Star),
    ("all column", Kw::Star),
    ("all attribute", Kw::Star),
    ("all data", Kw::Star),
    ("everything", Kw::Star),
    ("this year", Kw::Window(Window::ThisYear)),
    ("last year", Kw::Window(Window::LastYear)),
    ("this month", Kw::Window(Window::ThisMonth)),
    ("last month", Kw::Window(Window::LastMonth)),
    ("today", Kw::Window(Window::Today)),
    ("yesterday", Kw::Window(Window::Yesterday)),
    ("in last", Kw::LastN),
    ("in past", Kw::LastN),
    ("during last", Kw::LastN),
    ("over last", Kw::LastN),
];

/// Words that carry no meaning for the query's shape. Anything that is neither one of these, a
/// keyword, a schema mention, a value nor a number makes the engine say it does not understand.
const STOP: &[&str] = &[
    "a",
    "an",
    "the",
    "of",
    "for",
    "in",
    "on",
    "at",
    "to",
    "from",
    "with",
    "within",
    "across",
    "among",
    "into",
    "whose",
    "who",
    "whom",
    "which",
    "what",
    "where",
    "when",
    "that",
    "this",
    "these",
    "those",
    "is",
    "are",
    "was",
    "were",
    "be",
    "been",
    "being",
    "do",
    "doe",
    "does",
    "did",
    "has",
    "have",
    "had",
    "having",
    "there",
    "their",
    "its",
    "it",
    "they",
    "them",
    "show",
    "list",
    "give",
    "find",
    "return",
    "display",
    "get",
    "tell",
    "me",
    "u",
    "us",
    "please",
    "all",
    "any",
    "also",
    "as",
    "well",
    "corresponding",
    "respective",
    "respectively",
    "information",
    "info",
    "about",
    "detail",
    "i",
    "we",
    "you",
    "my",
    "our",
    "your",
    "want",
    "need",
    "see",
    "know",
    "can",
    "could",
    "would",
    "will",
    "shall",
    "should",
    "currently",
    "listed",
    "registered",
    "recorded",
    "stored",
    "exist",
    "existing",
    "belong",
    "belonging",
    "located",
    "based",
    "live",
    "living",
    "come",
    "came",
    "each's",
    "just",
    "only",
    "whole",
    "entire",
    "overall",
    "some",
    "every",
    "one",
    "ones",
    "provide",
    "report",
    "out",
    "up",
    "whats",
    "what's",
    "it's",
    "there's",
    "here",
    "by?",
    "and/or",
    "etc",
    "including",
    "include",
    "show me",
    "known",
    "listed",
    "recorded",
    "amongst",
    "among",
    "either",
    "table",
];

/// Verbs that only say how two things are related ("languages spoken in Aruba", "documents that
/// use a template"): the foreign key between the tables says it already, so they are dropped
/// like articles, unless they are a schema name or a value. Verbs that carry a condition
/// ("won", "lost", "cancelled") are not here: they stay unknown and the engine asks.
const RELATION_VERBS: &[&str] = &[
    "use",
    "uses",
    "used",
    "using",
    "speak",
    "speaks",
    "spoke",
    "spoken",
    "perform",
    "performs",
    "performed",
    "performing",
    "receive",
    "receives",
    "received",
    "receiving",
    "host",
    "hosts",
    "hosted",
    "hosting",
    "visit",
    "visits",
    "visited",
    "visiting",
    "enroll",
    "enrolls",
    "enrolled",
    "enrol",
    "enrols",
    "enrolling",
    "operate",
    "operates",
    "operated",
    "conduct",
    "conducts",
    "conducted",
    "offer",
    "offers",
    "offered",
    "own",
    "owns",
    "owned",
    "make",
    "makes",
    "made",
    "produce",
    "produces",
    "produced",
    "write",
    "writes",
    "wrote",
    "written",
    "play",
    "plays",
    "played",
    "attend",
    "attends",
    "attended",
    "take",
    "takes",
    "took",
    "taken",
    "teach",
    "teaches",
    "taught",
    "work",
    "works",
    "worked",
    "hold",
    "holds",
    "held",
    "manage",
    "manages",
    "managed",
    "serve",
    "serves",
    "served",
    "participate",
    "participates",
    "participated",
    "appear",
    "appears",
    "appeared",
    "involve",
    "involves",
    "involved",
    "feature",
    "features",
    "featured",
    "assign",
    "assigned",
    "employ",
    "employs",
    "employed",
    "publish",
    "publishes",
    "published",
    "create",
    "creates",
    "created",
    "place",
    "places",
    "placed",
    "sell",
    "sells",
    "sold",
    "buy",
    "buys",
    "bought",
    "handle",
    "handles",
    "handled",
    "sing",
    "sings",
    "sang",
    "sung",
    "direct",
    "directs",
    "directed",
    "show",
    "shows",
    "showed",
    "shown",
    "air",
    "airs",
    "aired",
    "broadcast",
    "broadcasts",
    "arrange",
    "arranged",
    "give",
    "gives",
    "gave",
    "given",
    "cast",
    "share",
    "shares",
    "shared",
];

fn is_relation_verb(word: &str) -> bool {
    if RELATION_VERBS.contains(&word) {
        return true;
    }
    // "working", "managing", "shipping": the -ing form of a listed verb.
    let Some(stem) = word.strip_suffix("ing").filter(|s| s.len() >= 2) else { return false };
    let undoubled = stem.len() >= 3 && stem.as_bytes()[stem.len() - 1] == stem.as_bytes()[stem.len() - 2];
    RELATION_VERBS.contains(&stem)
        || RELATION_VERBS.contains(&format!("{stem}e").as_str())
        || (undoubled && RELATION_VERBS.contains(&&stem[..stem.len() - 1]))
}

/// A mention of the schema: a table or a column.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    Table(usize),
    Column(usize, usize),
}

/// One unit of a linked question.
#[derive(Clone, Debug, PartialEq)]
pub enum Item {
    Kw(Kw),
    /// Tables or columns the words may mean (all equally good matches).
    Schema {
        cands: Vec<Target>,
        words: String,
    },
    /// A value found in these columns (table, column, the value as stored).
    Value {
        cands: Vec<(usize, usize, String)>,
        words: String,
    },
    Number(String),
    Quoted(String),
    Unknown(String),
}

/// How an adjective of a place ends, and how the place's name ends instead: "African" is
/// "Africa" + "n", "European" "Europe" + "an", "Italian" "Italy", "Canadian" "Canada", "Mexican"
/// "Mexico", "Japanese" "Japan", "Chinese" "China", "German" "Germany", "Swedish" "Sweden".
const DEMONYM_ENDINGS: &[(&str, &str)] = &[
    ("n", ""),
    ("an", ""),
    ("ian", ""),
    ("ian", "y"),
    ("ian", "a"),
    ("an", "o"),
    ("ese", ""),
    ("ese", "a"),
    ("", "y"),
    ("ish", "en"),
];

/// Units that end column names (`max_temperature_f`, `height_cm`, `price_usd`): the name means
/// the same without them. Never a word that means something else in a name (`min`, `m`, `in`).
pub(crate) const UNITS: &[&str] = &[
    "f", "c", "billion", "million", "thousand", "mph", "kmh", "kph", "km", "mi", "mile", "inch", "cm", "mm", "kg",
    "lb", "lbs", "usd", "eur", "gbp", "sec", "ms", "dollar", "euro", "percent", "pct", "g", "gb", "mb",
];

/// `words` without the units at its end (`Damage_millions_USD`, `Gross_in_dollar`), when
/// something is left.
pub(crate) fn without_unit(words: &[String]) -> Option<Vec<String>> {
    let mut end = words.len();
    while end > 1 && UNITS.contains(&words[end - 1].as_str()) {
        end -= 1;
        // "in dollars": the word before a unit goes with it.
        while end > 1 && INSIDE_NAME.contains(&words[end - 1].as_str()) {
            end -= 1;
        }
    }
    (end < words.len()).then(|| words[..end].to_vec())
}

/// Nouns after a column's name that only say what kind of number it holds ("the total score" of
/// `Total`), when they name nothing in the schema themselves.
const MEASURE_NOUNS: &[&str] = &["score", "point", "value", "figure", "number", "amount"];

/// Words that may stand between the words of one name in a question ("date of birth").
const INSIDE_NAME: &[&str] = &["of", "for", "in", "on", "at", "to"];

/// Filler words that may also be a stored value ("storm One", "client All"), read as the value
/// only where a value goes. Never a word such as "in" or "and", which are country codes too.
const FILLER_VALUES: &[&str] = &["one", "all", "none", "other", "both"];

/// Words between "containing" and the text it is about ("containing the letter w").
const PART_FILLERS: &[&str] = &[
    "word",
    "words",
    "letter",
    "letters",
    "substring",
    "string",
    "phrase",
    "text",
    "character",
    "characters",
    "the",
    "a",
];

/// Last words of a table's name that only say it is a table.
const GENERIC_TABLE_WORDS: &[&str] = &["data", "record", "table", "entry", "tbl"];

/// Common abbreviations in column names, with what they stand for.
const ABBREVIATIONS: &[(&str, &str)] = &[
    ("dob", "date birth"),
    ("num", "number"),
    ("no", "number"),
    ("nbr", "number"),
    ("amt", "amount"),
    ("qty", "quantity"),
    ("desc", "description"),
    ("descr", "description"),
    ("addr", "address"),
    ("dept", "department"),
    ("emp", "employee"),
    ("cust", "customer"),
    ("prod", "product"),
    ("yr", "year"),
    ("fname", "first name"),
    ("lname", "last name"),
    ("pct", "percent"),
    ("tel", "telephone"),
    ("ph", "phone"),
    ("pop", "population"),
    ("sal", "salary"),
    ("mgr", "manager"),
    ("loc", "location"),
    ("lat", "latitude"),
    ("long", "longitude"),
    ("lng", "longitude"),
    ("lon", "longitude"),
    ("cnt", "count"),
    ("avg", "average"),
    ("id", "id"),
];

/// Words people use for a column word.
const SYNONYMS: &[(&str, &str)] = &[
    ("birthday", "date birth"),
    ("birthday", "birth date"),
    ("born", "birth"),
    ("nationality", "country"),
    ("wage", "salary"),
    ("sex", "gender"),
    ("gender", "sex"),
    ("cost", "price"),
    ("email address", "email"),
    ("e-mail", "email"),
    ("telephone", "phone"),
    ("phone number", "phone"),
    ("cell phone number", "cell number"),
    ("cell phone", "cell number"),
    ("mobile number", "cell number"),
    ("mobile phone number", "cell number"),
    ("cell phone number", "cell mobile number"),
    ("cell phone", "cell mobile number"),
    ("mobile number", "cell mobile number"),
    ("surname", "last name"),
    ("family name", "last name"),
    ("given name", "first name"),
    ("weigh", "weight"),
    ("earn", "salary"),
];

/// A phrase and what it means.
struct Phrase {
    words: Vec<String>,
    target: Target,
    /// Matches only with a word between its parts ("name of the song", not "name song").
    gap: bool,
    /// Only the last words of a longer name ("amount" for `total_amount`): a whole name that
    /// ties with it wins.
    partial: bool,
    /// A table named after two others (`singer_in_concert`): its words further apart than in its
    /// name ("singers who performed in a concert") mean those two tables, not it. The longest
    /// span it may match.
    bridge: Option<usize>,
}

/// The phrases of a catalog, ready to match questions against.
pub struct Lexicon {
    phrases: Vec<Phrase>,
    /// Phrases by their first word (a phrase matches only where its first word is).
    phrase_index: HashMap<String, Vec<usize>>,
    values: Vec<(Vec<String>, usize, usize, String)>,
    /// Values by their first word.
    value_index: HashMap<String, Vec<usize>>,
    /// Values that are one filler word ("One", "All"), by that word: values only where a value goes.
    filler_values: HashMap<String, Vec<(usize, usize, String)>>,
    keywords: Vec<(Vec<String>, Kw)>,
    /// "hired": the date columns a past participle names (`hire_date`).
    date_verbs: HashMap<String, Vec<Target>>,
}

fn is_stop(word: &str) -> bool {
    STOP.contains(&word)
}

fn is_article(word: &str) -> bool {
    matches!(word, "a" | "an" | "the")
}

/// A filler word in a question ("show the details of …") that is still part of a column's name
/// (`product_details`).
const NAMING_FILLER: &str = "detail";

/// The words of a name without filler words, except `keep`.
fn content_keeping(words: Vec<String>, keep: &str) -> Vec<String> {
    let kept: Vec<String> = words.iter().filter(|w| !is_stop(w) || *w == keep).cloned().collect();
    if kept.is_empty() {
        words
    } else {
        kept
    }
}

fn content(words: Vec<String>) -> Vec<String> {
    let kept: Vec<String> = words.iter().filter(|w| !is_stop(w)).cloned().collect();
    if kept.is_empty() {
        words
    } else {
        kept
    }
}

/// `Has_amenity`, `Lives_in`, `Member_of`: a verb phrase names a relation, and without its
/// little words it would be a thing ("amenities", "lives") its rows are not. Such a table is
/// never named by the question; it can still join two tables it links.
fn names_a_relation(lemmas: &[String]) -> bool {
    lemmas.len() >= 2
        && (lemmas.first().is_some_and(|w| matches!(w.as_str(), "has" | "have" | "is"))
            || lemmas.last().is_some_and(|w| {
                matches!(w.as_str(), "in" | "of" | "on" | "at" | "with" | "by" | "to" | "for" | "from" | "into")
            }))
}

/// Whether `question` holds `word` as a whole word, in any case.
fn spelled_in(question: &str, word: &str) -> bool {
    question.split(|c: char| !c.is_alphanumeric()).any(|w| w.eq_ignore_ascii_case(word))
}

fn phrase_words(text: &str) -> Vec<String> {
    content(text.split_whitespace().map(lemma).collect())
}

impl Lexicon {
    /// The phrases of every table, column and sampled value of `catalog`.
    pub fn new(catalog: &Catalog) -> Lexicon {
        let mut phrases = Vec::new();
        let mut date_verbs: HashMap<String, Vec<Target>> = HashMap::new();
        let add_phrase = |phrase: Phrase, phrases: &mut Vec<Phrase>| {
            if !phrase.words.is_empty()
                && !phrases.iter().any(|p: &Phrase| p.words == phrase.words && p.target == phrase.target)
            {
                phrases.push(phrase);
            }
        };
        let add = |words: Vec<String>, target: Target, phrases: &mut Vec<Phrase>| {
            add_phrase(Phrase { words, target, gap: false, partial: false, bridge: None }, phrases)
        };
        let add_part = |words: Vec<String>, target: Target, phrases: &mut Vec<Phrase>| {
            add_phrase(Phrase { words, target, gap: false, partial: true, bridge: None }, phrases)
        };
        let table_names: Vec<Vec<String>> = catalog
            .tables
            .iter()
            .map(|t| name_lemmas(&t.name))
            .filter(|lemmas| !names_a_relation(lemmas))
            .map(content)
            .collect();
        for (t, table) in catalog.tables.iter().enumerate() {
            let lemmas = name_lemmas(&table.name);
            let relation_name = names_a_relation(&lemmas);
            let table_words = content(lemmas.clone());
            // `Allergy_Type(Allergy PRIMARY KEY, AllergyType)`: a text key names the rows (the
            // allergies); the other column named as the table is a category of them, and "allergy
            // types" means its values, not the rows.
            let category_named = matches!(table.primary_key.as_slice(),
                [k] if table.columns[*k].kind == Kind::Text
                    && content(name_lemmas(&table.columns[*k].name)) != table_words)
                && table.columns.iter().any(|c| content(name_lemmas(&c.name)) == table_words);
            let name_words: &[String] = if relation_name || category_named { &[] } else { &table_words };
            let bridge = (name_words.len() >= 2
                && name_words.iter().all(|w| table_names.iter().any(|n| n.len() == 1 && n[0] == *w)))
            .then_some(lemmas.len());
            for variant in variants(name_words) {
                add_phrase(
                    Phrase { words: variant, target: Target::Table(t), gap: false, partial: false, bridge },
                    &mut phrases,
                );
            }
            // `Customer_Policies` is also "policies" (weaker: a whole name or a column that
            // ties with it wins, or the engine asks), unless another table is named that. Not a
            // link table's (`Office_locations`, keyed by two references): its last word names the
            // link, and often a column elsewhere ("location").
            let link_table = table.primary_key.len() >= 2
                && table.primary_key.iter().all(|&k| table.links.iter().any(|l| l.column == k));
            if let (false, [.., last]) = (link_table, name_words) {
                let word = vec![last.clone()];
                if name_words.len() >= 2
                    && !GENERIC_TABLE_WORDS.contains(&last.as_str())
                    && last != "id"
                    && table_names.iter().filter(|n| n.last() == Some(last)).count() == 1
                {
                    add_part(word, Target::Table(t), &mut phrases);
                }
            }
            // `cars_data`, `death_record` are also "cars", "deaths".
            if let [head @ .., last] = name_words {
                if !head.is_empty() && GENERIC_TABLE_WORDS.contains(&last.as_str()) {
                    add(head.to_vec(), Target::Table(t), &mut phrases);
                }
            }
            for (c, column) in table.columns.iter().enumerate() {
                let target = Target::Column(t, c);
                // `max_temperature_f`, `height_cm`: also without the unit ("max temperature").
                // `order_details` is "order details", never just "order" (which is the table).
                let full = content_keeping(name_lemmas(&column.name), NAMING_FILLER);
                let unitless = without_unit(&full);
                for words in std::iter::once(full).chain(unitless) {
                    // A column called just "id" is the table's id.
                    if words == ["id"] {
                        add(words.clone(), target, &mut phrases);
                    }
                    for variant in variants(&words) {
                        // "Song_release_year" is also "release year" (weaker: it ties with any
                        // other column called that, and then the engine asks).
                        if variant.len() >= 3 {
                            for start in 1..variant.len() - 1 {
                                add_part(variant[start..].to_vec(), target, &mut phrases);
                            }
                        }
                        // "current_address_id" is also "current address" (weaker in the same way).
                        if variant.len() >= 3 && variant.last().is_some_and(|w| w == "id") {
                            add_part(variant[..variant.len() - 1].to_vec(), target, &mut phrases);
                        }
                        // "bathroom_count" is also "the number of bathrooms" and "bathrooms" ("more
                        // than 2 bathrooms").
                        if variant.len() >= 2 && variant.last().is_some_and(|w| w == "count") {
                            let counted = variant[..variant.len() - 1].to_vec();
                            let mut number = vec!["number".to_owned()];
                            number.extend_from_slice(&counted);
                            add(number, target, &mut phrases);
                            if !table_names.contains(&counted) {
                                add_part(counted, target, &mut phrases);
                            }
                        }
                        // "hire_date" is also "hired", but only before a date or a year ("employees
                        // hired before 2002"; see `Lexicon::date_verb`).
                        // "Open_Year", "Birth_Date", "date_of_birth" are also "opened", "born".
                        let verb_of_date = match variant.as_slice() {
                            [verb, when] if when == "date" || when == "year" => Some(verb),
                            [when, verb] if (when == "date" || when == "year") && verb == "birth" => Some(verb),
                            _ => None,
                        };
                        if let Some(verb) = verb_of_date {
                            if verb.len() >= 3 && verb.chars().all(|c| c.is_ascii_alphabetic()) {
                                for past in past_participles(verb) {
                                    let targets: &mut Vec<Target> = date_verbs.entry(past).or_default();
                                    if !targets.contains(&target) {
                                        targets.push(target);
                                    }
                                }
                            }
                        }
                        // "Total_amount" is also "amount" (weaker in the same way); never "id".
                        if variant.len() == 2
                            && variant[1] != "id"
                            && !keyword_word(&variant[1])
                            && !table_names.iter().any(|n| n[..] == variant[1..])
                        {
                            add_part(variant[1..].to_vec(), target, &mut phrases);
                        }
                        // "Directed_by", "Produced_by" are also "director", "producer" (weaker
                        // in the same way; the guesses that are not words match nothing).
                        if let [verb, by] = variant.as_slice() {
                            if by == "by" && verb.ends_with("ed") && verb.len() >= 5 {
                                let (short, long) = (&verb[..verb.len() - 2], &verb[..verb.len() - 1]);
                                for agent in [format!("{short}or"), format!("{short}er"), format!("{long}r")] {
                                    add_part(vec![agent], target, &mut phrases);
                                }
                            }
                        }
                        // "Song_Name" is also "the name of the song": the words rotated.
                        if (2..=3).contains(&variant.len()) {
                            for k in 1..variant.len() {
                                let mut rotated = variant[k..].to_vec();
                                rotated.extend_from_slice(&variant[..k]);
                                add_phrase(
                                    Phrase { words: rotated, target, gap: true, partial: false, bridge: None },
                                    &mut phrases,
                                );
                            }
                        }
                        // "singer_name" in table singer is also just "name".
                        if variant.len() > table_words.len() && variant.starts_with(&table_words) {
                            add(variant[table_words.len()..].to_vec(), target, &mut phrases);
                        }
                        add(variant, target, &mut phrases);
                    }
                }
            }
        }
        for synonym in &catalog.synonyms {
            let words = phrase_words(&synonym.phrase);
            let target = match synonym.target.split_once('.') {
                Some((t, c)) => catalog.tables.iter().position(|x| x.name.eq_ignore_ascii_case(t)).and_then(|t| {
                    catalog.tables[t]
                        .columns
                        .iter()
                        .position(|x| x.name.eq_ignore_ascii_case(c))
                        .map(|c| Target::Column(t, c))
                }),
                None => {
                    catalog.tables.iter().position(|x| x.name.eq_ignore_ascii_case(&synonym.target)).map(Target::Table)
                }
            };
            if let Some(target) = target {
                add(words, target, &mut phrases);
            }
        }
        let mut values = Vec::new();
        let mut filler_values: HashMap<String, Vec<(usize, usize, String)>> = HashMap::new();
        for (t, table) in catalog.tables.iter().enumerate() {
            for (c, column) in table.columns.iter().enumerate() {
                if column.kind != Kind::Text && column.kind != Kind::Other {
                    continue;
                }
                for value in &column.values {
                    let words: Vec<String> = tokenize(value).iter().map(token_text).collect();
                    // A value made only of filler words would match everywhere: one such word
                    // is a value only where a value goes.
                    if words.is_empty() || words.iter().all(|w| is_stop(w) || keyword_word(w)) || words.len() > 8 {
                        if let [word] = words.as_slice() {
                            if FILLER_VALUES.contains(&word.as_str()) {
                                let cands = filler_values.entry(word.clone()).or_default();
                                if !cands.iter().any(|(ct, cc, _)| (*ct, *cc) == (t, c)) {
                                    cands.push((t, c, value.clone()));
                                }
                            }
                        }
                        continue;
                    }
                    values.push((words, t, c, value.clone()));
                }
            }
        }
        let keywords = KEYWORDS
            .iter()
            .map(|(text, kw)| (text.split_whitespace().filter(|w| !is_article(w)).map(lemma).collect(), *kw))
            .collect();
        let mut phrase_index: HashMap<String, Vec<usize>> = HashMap::new();
        for (k, phrase) in phrases.iter().enumerate() {
            phrase_index.entry(phrase.words[0].clone()).or_default().push(k);
        }
        let mut value_index: HashMap<String, Vec<usize>> = HashMap::new();
        for (k, (words, ..)) in values.iter().enumerate() {
            value_index.entry(words[0].clone()).or_default().push(k);
        }
        Lexicon { phrases, phrase_index, values, value_index, filler_values, keywords, date_verbs }
    }

    /// Links a question.
    pub fn link(&self, question: &str) -> Vec<Item> {
        let tokens = tokenize(question);
        // Articles never matter; dropping them first lets "from the oldest to the youngest" match.
        let tokens: Vec<Token> = tokens.into_iter().filter(|t| !t.text().is_some_and(is_article)).collect();
        // "Who manages the railway …": the verb says who is asked for; without it, the answer
        // would be the railway.
        let who_verb = match tokens.as_slice() {
            [first, verb, ..] if first.text() == Some("who") && verb.text().is_some_and(is_relation_verb) => {
                verb.text().map(str::to_owned)
            }
            _ => None,
        };
        let tokens: Vec<Token> = (0..tokens.len())
            .filter(|&i| {
                !tokens[i].text().is_some_and(is_relation_verb)
                    || self.schema_at(&tokens, i).0 > 0
                    || self.value_at(&tokens, i).0 > 0
            })
            .map(|i| tokens[i].clone())
            .collect();
        let mut items = Vec::new();
        if tokens.first().and_then(Token::text).is_some_and(|w| w == "which" || w == "what")
            && tokens.len() > 1
            && self.schema_at(&tokens, 1).1.iter().any(|t| matches!(t, Target::Table(_)))
        {
            items.push(Item::Kw(Kw::Entity));
        }
        match tokens.first().and_then(Token::text) {
            Some("when") => items.push(Item::Kw(Kw::Asks(Asked::When))),
            Some("where") => items.push(Item::Kw(Kw::Asks(Asked::Where))),
            Some("who") => items.push(Item::Kw(Kw::Asks(Asked::Who))),
            _ => {}
        }
        // "Which majors do students have?": the values there are, each once. Asked in the plural
        // only ("What nationality is Bob?" asks for one row's value).
        // ("In which years …", "What times of day …": a preposition before it, a plural word
        // at either end of the name.)
        let lead = usize::from(
            tokens.first().and_then(Token::text).is_some_and(|w| matches!(w, "in" | "on" | "at" | "for" | "during")),
        );
        let (len, cands) = self.schema_at(&tokens, lead + 1);
        let plural_word = |k: usize| tokens.get(k).and_then(Token::text).is_some_and(|w| lemma(w) != w);
        let plural = len > 0 && (plural_word(lead + 1) || plural_word(lead + len));
        if tokens.get(lead).and_then(Token::text).is_some_and(|w| w == "which" || w == "what")
            && plural
            && cands.iter().all(|t| matches!(t, Target::Column(..)))
        {
            items.push(Item::Kw(Kw::Distinct));
        }
        let mut i = 0;
        while i < tokens.len() {
            if let Token::Number(n) = &tokens[i] {
                // "storm Three": a number written as a word that is also a stored value (a name)
                // may be either; refused rather than compared as 3.
                let spelled = n.parse::<usize>().ok().and_then(|k| NUMBER_WORDS.get(k.wrapping_sub(2))).copied();
                let after_comparison = matches!(items.last(), Some(Item::Kw(Kw::Cmp(_) | Kw::CmpAdj(..))));
                if let Some(word) = spelled.filter(|w| spelled_in(question, w) && !after_comparison) {
                    // Stored values are tokenized as questions are: "Three" is indexed as "3".
                    if self.value_index.get(n).is_some_and(|ks| ks.iter().any(|&k| self.values[k].0 == [n.as_str()])) {
                        items.push(Item::Unknown(word.to_owned()));
                        i += 1;
                        continue;
                    }
                }
                // A number that is a stored text value ("2014" in a text column) is also a value.
                items.push(Item::Number(n.clone()));
                i += 1;
                continue;
            }
            if let Token::Quoted(q) = &tokens[i] {
                let cands = self.value_columns(&q.to_lowercase());
                if cands.is_empty() {
                    items.push(Item::Quoted(q.clone()));
                } else {
                    items.push(Item::Value { cands, words: q.clone() });
                }
                i += 1;
                continue;
            }
            // "more than one mountain": "one" after a comparison is the number (elsewhere, "the
            // one with …", it is a filler word).
            if tokens[i].text() == Some("one") && matches!(items.last(), Some(Item::Kw(Kw::Cmp(_)))) {
                items.push(Item::Number("1".to_owned()));
                i += 1;
                continue;
            }
            // "older than 1 year": the unit of an age after its number.
            if tokens[i].text().is_some_and(|w| w == "year" || w == "years")
                && matches!(items.as_slice(), [.., Item::Kw(Kw::CmpAdj(_, implied)), Item::Number(_)] if implied.words == AGE)
            {
                i += 1;
                continue;
            }
            // "storm One", "whose client is ISP or All": a filler word that is a stored value,
            // where a value goes (after a name, "or" or "and", and not before a name), is that
            // value; elsewhere ("list all accelerators", "the one with …") it stays a filler.
            if let Some(cands) = self.filler_values.get(&token_text(&tokens[i])) {
                let value_place =
                    matches!(items.last(), Some(Item::Schema { .. } | Item::Value { .. } | Item::Kw(Kw::Or | Kw::And)))
                        && self.schema_at(&tokens, i + 1).0 == 0
                        && !tokens
                            .get(i + 1)
                            .and_then(Token::text)
                            .is_some_and(|w| matches!(w, "with" | "that" | "who" | "which" | "whose" | "of" | "where"));
                if value_place {
                    let words = tokens[i].text().unwrap_or(tokens[i].key()).to_owned();
                    items.push(Item::Value { cands: cands.clone(), words });
                    i += 1;
                    continue;
                }
            }
            let (kw_len, kw) = self.keyword_at(&tokens, i);
            let (schema_len, schema) = self.schema_at(&tokens, i);
            let (value_len, value) = self.value_at(&tokens, i);
            let best = kw_len.max(schema_len).max(value_len);
            if best == 0 {
                let word = tokens[i].key();
                let text = tokens[i].text().unwrap_or(word);
                // An adjective of a place before a table's name ("African countries").
                let before_table = i + 1 < tokens.len()
                    && self.schema_at(&tokens, i + 1).1.iter().any(|t| matches!(t, Target::Table(_)));
                if let Some(cands) = self.demonym(text).filter(|_| before_table) {
                    items.push(Item::Value { cands, words: text.to_owned() });
                } else if let Some(cands) = self.date_verb(&tokens, i) {
                    items.push(Item::Schema { cands, words: text.to_owned() });
                } else if MEASURE_NOUNS.contains(&word)
                    && matches!(items.last(), Some(Item::Schema { cands, .. }) if cands.iter().all(|t| matches!(t, Target::Column(..))))
                {
                    // "the total score" of `Total`, "the snatch scores": a noun that only says
                    // what kind of number the column just named holds.
                } else if !is_stop(word) && !is_stop(text) {
                    items.push(Item::Unknown(text.to_owned()));
                }
                i += 1;
                continue;
            }
            let words = span_text(&tokens[i..i + best]);
            // "the number of singers with that citizenship": a column named again after "that"
            // points back at its first mention; it is not asked for twice.
            let back_reference = i > 0
                && tokens[i - 1].text().is_some_and(|w| w == "that" || w == "this" || w == "same")
                && items.iter().any(|item| matches!(item, Item::Schema { cands, .. } if *cands == schema));
            if schema_len == best && schema_len > kw_len && back_reference {
                i += best;
                continue;
            }
            // "the highest mountain", "the lowest building": right before a table's name, its
            // height, as "the tallest" says it ("the highest capacity" names its column).
            if let (Some(Kw::Extreme(dir)), true) = (kw, kw_len == best) {
                let (next_len, next) = self.schema_at(&tokens, i + kw_len);
                let word = tokens[i].text().unwrap_or_default();
                if (word == "highest" || word == "lowest")
                    && next_len > 0
                    && next.iter().all(|t| matches!(t, Target::Table(_)))
                {
                    items.push(Item::Kw(Kw::SuperAdj(Implied { words: HEIGHT, dir })));
                    i += kw_len;
                    continue;
                }
                // "the 2 largest cities": by population, area, or what? Not a count, as "the
                // most cities" is; left unknown unless a column follows the table ("the largest
                // city population").
                if matches!(word, "largest" | "biggest" | "smallest" | "greatest")
                    && next_len > 0
                    && next.iter().all(|t| matches!(t, Target::Table(_)))
                    && self.schema_at(&tokens, i + kw_len + next_len).0 == 0
                {
                    items.push(Item::Unknown(word.to_owned()));
                    i += kw_len;
                    continue;
                }
            }
            // "the total score" where a column is called `Total`: the column, not a sum.
            let measured_column = schema_len == best
                && schema_len == kw_len
                && matches!(kw, Some(Kw::Agg(_)))
                && tokens.get(i + best).is_some_and(|t| MEASURE_NOUNS.contains(&t.key()))
                && self.schema_at(&tokens, i + best).0 == 0;
            if schema_len == best && (schema_len > kw_len || measured_column) {
                items.push(Item::Schema { cands: schema, words });
            } else if value_len == best && value_len > kw_len {
                items.push(Item::Value { cands: value, words });
            } else if let Some(kw) = kw {
                items.push(Item::Kw(kw));
                if let Kw::Part(_) = kw {
                    // "containing the letter w", "starts with M": the text itself, as written.
                    i += best;
                    while tokens.get(i).and_then(Token::text).is_some_and(|w| PART_FILLERS.contains(&w)) {
                        i += 1;
                    }
                    if let Some(Token::Word { text, .. }) = tokens.get(i) {
                        if self.keyword_at(&tokens, i).0 == 0 && self.schema_at(&tokens, i).0 == 0 {
                            items.push(Item::Quoted(text.clone()));
                            i += 1;
                        }
                    }
                    continue;
                }
            }
            i += best;
        }
        // "Who manages the railway located in Swindon?" names no table but the railway: the one
        // who manages is not in the question, and the railway is not the answer.
        let tables_named = items
            .iter()
            .filter(|i| matches!(i, Item::Schema { cands, .. } if cands.iter().any(|t| matches!(t, Target::Table(_)))))
            .count();
        if let Some(verb) = who_verb.filter(|_| tables_named <= 1) {
            items.insert(0, Item::Unknown(verb));
        }
        // "What types of ships are there?": which values exist, each once (a count is unchanged).
        let words: Vec<&str> = tokens.iter().filter_map(Token::text).collect();
        let existential = matches!(words.as_slice(), [.., "are" | "is", "there"] | [.., "exist"]);
        let counted = items.iter().any(|i| matches!(i, Item::Kw(Kw::Count | Kw::TotalCount)));
        if existential && !counted {
            let at = usize::from(matches!(items.first(), Some(Item::Kw(Kw::Entity))));
            items.insert(at, Item::Kw(Kw::Distinct));
        }
        items
    }

    fn keyword_at(&self, tokens: &[Token], i: usize) -> (usize, Option<Kw>) {
        let mut best = (0, None);
        if i >= tokens.len() {
            return best;
        }
        // "the numbers of the apartments" lists their numbers; only "the number of" counts.
        let plural_number = tokens[i].text() == Some("numbers");
        for (words, kw) in &self.keywords {
            if *kw == Kw::Count && plural_number {
                continue;
            }
            // "… or higher than 100" is "or" and "higher than", not "or higher".
            if words.len() == 2 && words[0] == "or" && tokens.get(i + 2).and_then(Token::text) == Some("than") {
                continue;
            }
            if words.len() > best.0 && matches_at(tokens, i, words) {
                best = (words.len(), Some(*kw));
            }
        }
        best
    }

    /// The longest schema phrase at `i`: every target it may mean. Stop words inside the question
    /// span are skipped ("date of birth" meets `Date_of_Birth`).
    fn schema_at(&self, tokens: &[Token], i: usize) -> (usize, Vec<Target>) {
        // Past the last word (asked about the word after one at the end): nothing.
        if tokens.get(i).is_none_or(|t| is_stop(t.key()) && t.key() != NAMING_FILLER) {
            return (0, Vec::new());
        }
        let mut best_len = 0;
        let mut cands: Vec<(Target, bool)> = Vec::new();
        let starting = self.phrase_index.get(tokens[i].key()).map(Vec::as_slice).unwrap_or(&[]);
        // "high schoolers": one-word names spelled by this word and the next.
        let spelled = match (tokens.get(i), tokens.get(i + 1)) {
            (Some(Token::Word { text, .. }), Some(Token::Word { lemma, .. })) => {
                self.phrase_index.get(&format!("{text}{lemma}")).map(Vec::as_slice).unwrap_or(&[])
            }
            _ => &[],
        };
        for phrase in starting.iter().chain(spelled).map(|&k| &self.phrases[k]) {
            let found = content_match(tokens, i, &phrase.words).or_else(|| compound_match(tokens, i, &phrase.words));
            if let Some(len) = found {
                // A rotated name needs a word between its parts; a bridge table's name no more
                // than its own.
                let gapped = len > phrase.words.len();
                if (phrase.gap && !gapped) || phrase.bridge.is_some_and(|most| len > most) {
                    continue;
                }
                if len > best_len {
                    best_len = len;
                    cands.clear();
                }
                if len == best_len {
                    match cands.iter_mut().find(|(t, _)| *t == phrase.target) {
                        Some((_, partial)) => *partial &= phrase.partial,
                        None => cands.push((phrase.target, phrase.partial)),
                    }
                }
            }
        }
        // "name" in a table with `Name` and `LocalName` is `Name`; another table's `name` does
        // not hide `company_name` ("the names of the customers" must ask which).
        let owner = |t: &Target| match t {
            Target::Table(t) | Target::Column(t, _) => *t,
        };
        let whole: Vec<usize> = cands.iter().filter(|(_, partial)| !partial).map(|(t, _)| owner(t)).collect();
        cands.retain(|(t, partial)| !partial || !whole.contains(&owner(t)));
        (best_len, cands.into_iter().map(|(t, _)| t).collect())
    }

    fn value_at(&self, tokens: &[Token], i: usize) -> (usize, Vec<(usize, usize, String)>) {
        let mut best_len = 0;
        let mut cands: Vec<(usize, usize, String)> = Vec::new();
        if i >= tokens.len() {
            return (best_len, cands);
        }
        let starting = self.value_index.get(&token_text(&tokens[i])).map(Vec::as_slice).unwrap_or(&[]);
        for (words, t, c, value) in starting.iter().map(|&k| &self.values[k]) {
            let len = words.len();
            if len >= best_len
                && tokens.len() >= i + len
                && tokens[i..i + len].iter().zip(words).all(|(tok, w)| token_text(tok) == *w)
            {
                if len > best_len {
                    best_len = len;
                    cands.clear();
                }
                if !cands.iter().any(|(ct, cc, _)| *ct == *t && *cc == *c) {
                    cands.push((*t, *c, value.clone()));
                }
            }
        }
        (best_len, cands)
    }

    /// "African", "Italian", "Japanese": an adjective of a place stored by its name ("Africa",
    /// "Italy", "Japan"), for a word that means nothing else here (the caller asks that a table's
    /// name follows it: "African countries", never "median age"). The place must be a stored value
    /// of one word, found by one of the usual English endings, and only one spelling may match.
    fn demonym(&self, word: &str) -> Option<Vec<(usize, usize, String)>> {
        if word.len() < 5 || !word.chars().all(|c| c.is_ascii_alphabetic()) {
            return None;
        }
        let mut found: Option<Vec<(usize, usize, String)>> = None;
        for (ending, place_ending) in DEMONYM_ENDINGS {
            let Some(stem) = word.strip_suffix(ending) else { continue };
            let place = format!("{stem}{place_ending}");
            if place.len() < 4 || place == word {
                continue;
            }
            let cands = self.value_columns(&place);
            if cands.is_empty() {
                continue;
            }
            if found.as_ref().is_some_and(|f| *f != cands) {
                return None;
            }
            found = Some(cands);
        }
        found
    }

    /// "hired before 2002", "released in 2010": a past participle of a date column's verb, when
    /// a year or a comparison with one follows (after filler words). Elsewhere ("aired on the
    /// channel") the verb only relates things and names no column.
    fn date_verb(&self, tokens: &[Token], i: usize) -> Option<Vec<Target>> {
        let cands = self.date_verbs.get(tokens[i].text()?)?;
        let mut j = i + 1;
        while tokens.get(j).is_some_and(|t| t.text().is_some_and(is_stop)) {
            j += 1;
        }
        if j < tokens.len() {
            if let (len, Some(Kw::Cmp(_))) = self.keyword_at(tokens, j) {
                j += len;
            }
        }
        matches!(tokens.get(j), Some(Token::Number(_))).then(|| cands.clone())
    }

    /// Columns whose sampled values include `text` (case-insensitively).
    fn value_columns(&self, text: &str) -> Vec<(usize, usize, String)> {
        let words: Vec<String> = tokenize(text).iter().map(token_text).collect();
        let mut out: Vec<(usize, usize, String)> = Vec::new();
        for (w, t, c, value) in &self.values {
            if *w == words && value.to_lowercase() == text && !out.iter().any(|(a, b, _)| a == t && b == c) {
                out.push((*t, *c, value.clone()));
            }
        }
        out
    }
}

/// How "the date it was …" reads for the first word of a date column: `hire` "hired", `open`
/// "opened", `birth` "born", `installation` "installed", `creation` "created" (an `-ation` noun
/// gives both guesses; the wrong one is a word nobody writes).
fn past_participles(verb: &str) -> Vec<String> {
    if verb == "birth" {
        return vec!["born".to_owned()];
    }
    if let Some(stem) = verb.strip_suffix("ation").filter(|s| s.len() >= 3) {
        return vec![format!("{stem}ed"), format!("{stem}ated")];
    }
    if verb.ends_with('e') {
        vec![format!("{verb}d")]
    } else {
        vec![format!("{verb}ed")]
    }
}

fn keyword_word(word: &str) -> bool {
    KEYWORDS.iter().any(|(k, _)| !k.contains(' ') && lemma(k) == word)
}

/// A token as a value matches it: the lower-case text of a word (not its lemma), a number's digits.
fn token_text(token: &Token) -> String {
    match token {
        Token::Word { text, .. } => text.clone(),
        other => other.key().to_lowercase(),
    }
}

fn span_text(tokens: &[Token]) -> String {
    tokens.iter().map(|t| t.text().unwrap_or(t.key()).to_owned()).collect::<Vec<_>>().join(" ")
}

fn matches_at(tokens: &[Token], i: usize, words: &[String]) -> bool {
    tokens.len() >= i + words.len()
        && tokens[i..i + words.len()].iter().zip(words).all(|(t, w)| matches!(t, Token::Word { .. }) && t.key() == w)
}

/// How many tokens from `i` spell `words`, skipping stop words between them (never before the
/// first or after the last).
fn content_match(tokens: &[Token], i: usize, words: &[String]) -> Option<usize> {
    let mut j = i;
    for (k, w) in words.iter().enumerate() {
        if k > 0 {
            // Only words that join the parts of one name ("date of birth"); never a verb or a
            // relative word: "customers have policies" is not `Customer_Policies`.
            while j < tokens.len() && INSIDE_NAME.contains(&tokens[j].key()) && tokens[j].key() != w {
                j += 1;
            }
        }
        let t = tokens.get(j)?;
        if !matches!(t, Token::Word { .. }) || t.key() != w {
            return None;
        }
        j += 1;
    }
    Some(j - i)
}

/// Two words that spell a one-word name together ("high schoolers" for `Highschooler`).
fn compound_match(tokens: &[Token], i: usize, words: &[String]) -> Option<usize> {
    let [name] = words else { return None };
    let (Some(Token::Word { text: first, .. }), Some(Token::Word { lemma: second, .. })) =
        (tokens.get(i), tokens.get(i + 1))
    else {
        return None;
    };
    (name.len() == first.len() + second.len() && name.starts_with(first.as_str()) && name.ends_with(second.as_str()))
        .then_some(2)
}

/// A name's phrase and the phrases its abbreviations and synonyms give.
fn variants(words: &[String]) -> Vec<Vec<String>> {
    let mut out = vec![words.to_vec()];
    // `LName` splits into "l", "name": the letter joins the next word before abbreviations are
    // read ("lname" is "last name").
    let mut merged: Vec<String> = Vec::with_capacity(words.len());
    let mut k = 0;
    while k < words.len() {
        if words[k].len() == 1 && words[k].chars().all(|c| c.is_ascii_alphabetic()) && k + 1 < words.len() {
            merged.push(format!("{}{}", words[k], words[k + 1]));
            k += 2;
        } else {
            merged.push(words[k].clone());
            k += 1;
        }
    }
    let words: &[String] =
        if merged.iter().any(|w| ABBREVIATIONS.iter().any(|(a, _)| a == w)) { &merged } else { words };
    let expanded: Vec<String> = words
        .iter()
        .flat_map(|w| match ABBREVIATIONS.iter().find(|(a, _)| a == w) {
            Some((_, full)) => full.split(' ').map(str::to_owned).collect::<Vec<_>>(),
            None => vec![w.clone()],
        })
        .collect();
    if expanded != words {
        out.push(expanded.clone());
    }
    for base in [words.to_vec(), expanded] {
        let joined = base.join(" ");
        for (synonym, meaning) in SYNONYMS {
            if joined == *meaning {
                let v = phrase_words(synonym);
                if !out.contains(&v) {
                    out.push(v);
                }
            }
        }
    }
    // "id" alone is never how a person names a thing; keep it only with its owner.
    out.retain(|v| !(v.len() == 1 && v[0] == "id"));
    out
}

#[cfg(test)]
mod tests {
    use super::super::catalog::{ColumnInfo, TableInfo};
    use super::*;

    fn catalog() -> Catalog {
        let col = |name: &str, kind: Kind, values: &[&str]| ColumnInfo {
            name: name.into(),
            kind,
            values: values.iter().map(|v| v.to_string()).collect(),
        };
        Catalog {
            tables: vec![TableInfo {
                name: "singer".into(),
                schema: None,
                columns: vec![
                    col("Singer_ID", Kind::Integer, &[]),
                    col("Name", Kind::Text, &["Joe Sharp"]),
                    col("Country", Kind::Text, &["France", "United States", "Italy", "Japan", "Media"]),
                    col("Age", Kind::Integer, &[]),
                    col("Date_of_Birth", Kind::Text, &[]),
                ],
                links: vec![],
                primary_key: vec![0],
            }],
            synonyms: vec![],
        }
    }

    #[test]
    fn a_question_links_to_keywords_columns_and_values() {
        let lexicon = Lexicon::new(&catalog());
        let items = lexicon.link("How many singers from the United States are older than 30?");
        assert_eq!(items[0], Item::Kw(Kw::Count));
        assert_eq!(items[1], Item::Schema { cands: vec![Target::Table(0)], words: "singers".into() });
        assert!(matches!(&items[2], Item::Value { cands, .. } if cands[0].2 == "United States"));
        assert!(matches!(items[3], Item::Kw(Kw::CmpAdj(Cmp::Gt, _))));
        assert_eq!(items[4], Item::Number("30".into()));
        assert_eq!(items.len(), 5);
        let items = lexicon.link("What is the date of birth of Joe Sharp?");
        assert_eq!(items[0], Item::Schema { cands: vec![Target::Column(0, 4)], words: "date of birth".into() });
        assert!(matches!(&items[1], Item::Value { .. }));
        // A verb that only relates things is dropped; one that could be a condition stays unknown.
        let items = lexicon.link("singers who sing in France");
        assert_eq!(items.len(), 2, "{items:?}");
        let items = lexicon.link("singers who dance jazz");
        assert!(items.contains(&Item::Unknown("dance".into())));
    }

    #[test]
    fn an_adjective_of_a_stored_place_means_the_place() {
        let lexicon = Lexicon::new(&catalog());
        for (question, place) in [("Italian singers", "Italy"), ("How many Japanese singers?", "Japan")] {
            let items = lexicon.link(question);
            let found = items.iter().any(|item| matches!(item, Item::Value { cands, .. } if cands[0].2 == place));
            assert!(found, "{question}: {items:?}");
        }
        // Only words that mean nothing else, and only places stored whole.
        let items = lexicon.link("singers from Spanish towns");
        assert!(items.contains(&Item::Unknown("spanish".into())), "{items:?}");
        let items = lexicon.link("singers who are Italian");
        assert!(items.contains(&Item::Unknown("italian".into())), "only before a table's name: {items:?}");
        let items = lexicon.link("the median age of singers");
        assert!(items.contains(&Item::Unknown("median".into())), "median is not Media + n: {items:?}");
    }
}
