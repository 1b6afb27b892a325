//! Words: how a question and a schema name are cut into comparable lemmas.
//!
//! Both sides go through the same functions, so what matters is that a word and its plural
//! land on the same lemma, not that the lemma is good English.

/// One token of a question.
#[derive(Clone, Debug, PartialEq)]
pub enum Token {
    /// A word: its lemma, and the lower-case text as written.
    Word { lemma: String, text: String },
    /// A number as written (`20`, `3.5`, `-4`).
    Number(String),
    /// Text in quotes, as written inside them.
    Quoted(String),
}

impl Token {
    /// The lemma of a word, or the text of a number, for matching.
    pub fn key(&self) -> &str {
        match self {
            Token::Word { lemma, .. } => lemma,
            Token::Number(n) => n,
            Token::Quoted(q) => q,
        }
    }

    /// The word as written (lower case), if this is a word.
    pub fn text(&self) -> Option<&str> {
        match self {
            Token::Word { text, .. } => Some(text),
            _ => None,
        }
    }
}

/// Cuts a question into tokens. Punctuation other than quotes and a decimal point is dropped;
/// `'s` is dropped; a quote opens a quoted value only at the start of a word.
pub fn tokenize(question: &str) -> Vec<Token> {
    let chars: Vec<char> = question.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if (c == '"' || c == '\'' || c == '“' || c == '‘') && starts_word(&chars, i) {
            let close = match c {
                '“' => '”',
                '‘' => '’',
                other => other,
            };
            if let Some(end) = chars[i + 1..].iter().position(|&d| d == close || (close == '\'' && d == '’')) {
                let inner: String = chars[i + 1..i + 1 + end].iter().collect();
                if !inner.trim().is_empty() {
                    out.push(Token::Quoted(inner.trim().to_owned()));
                    i += end + 2;
                    continue;
                }
            }
            i += 1;
            continue;
        }
        if c.is_ascii_digit()
            || (c == '-' && chars.get(i + 1).is_some_and(char::is_ascii_digit) && starts_word(&chars, i))
        {
            let start = i;
            i += 1;
            while i < chars.len()
                && (chars[i].is_ascii_digit()
                    || (chars[i] == '.' && chars.get(i + 1).is_some_and(char::is_ascii_digit))
                    || (chars[i] == ',' && chars.get(i + 1..i + 4).is_some_and(|d| d.iter().all(char::is_ascii_digit))))
            {
                i += 1;
            }
            let digits: String = chars[start..i].iter().filter(|&&d| d != ',').collect();
            if i < chars.len() && chars[i].is_alphabetic() {
                // "3rd", "2b", "100k": a word, not a number.
                while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                    i += 1;
                }
                let text: String = chars[start..i].iter().collect::<String>().to_lowercase();
                out.push(Token::Word { lemma: text.clone(), text });
            } else {
                out.push(Token::Number(digits));
            }
            continue;
        }
        if c == ',' {
            // A comma separates list items like "and" does.
            out.push(Token::Word { lemma: ",".into(), text: ",".into() });
            i += 1;
            continue;
        }
        if c.is_alphanumeric() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_' || inner_joiner(&chars, i)) {
                i += 1;
            }
            let raw: String = chars[start..i].iter().collect();
            // "singer's" and "singers'" lose the possessive.
            if chars.get(i).is_some_and(|&d| d == '\'' || d == '’') {
                if chars.get(i + 1).is_some_and(|&d| d == 's' || d == 'S')
                    && !chars.get(i + 2).is_some_and(|d| d.is_alphanumeric())
                {
                    i += 2;
                } else if !chars.get(i + 1).is_some_and(|d| d.is_alphanumeric()) {
                    i += 1;
                }
            }
            for piece in split_identifier(&raw) {
                // "at least two paragraphs": a number written as a word ("one" stays a word: "the
                // one with …").
                match NUMBER_WORDS.iter().position(|w| piece.eq_ignore_ascii_case(w)) {
                    Some(k) => out.push(Token::Number((k + 2).to_string())),
                    None => out.push(word(&piece)),
                }
            }
            continue;
        }
        i += 1;
    }
    out
}

/// Numbers from two on, as words.
pub(crate) const NUMBER_WORDS: &[&str] = &[
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
    "twenty",
];

fn starts_word(chars: &[char], i: usize) -> bool {
    i == 0 || !chars[i - 1].is_alphanumeric()
}

/// A hyphen or apostrophe between letters stays inside a word ("e-mail", "o'brien").
fn inner_joiner(chars: &[char], i: usize) -> bool {
    (chars[i] == '-' || chars[i] == '\'' || chars[i] == '’')
        && i > 0
        && chars[i - 1].is_alphabetic()
        && chars.get(i + 1).is_some_and(|c| c.is_alphabetic())
        && !(chars[i] != '-'
            && chars.get(i + 1).is_some_and(|&c| c == 's' || c == 'S')
            && !chars.get(i + 2).is_some_and(|c| c.is_alphanumeric()))
}

fn word(raw: &str) -> Token {
    let text = raw.to_lowercase();
    Token::Word { lemma: lemma(&text), text }
}

/// The lemmas of a schema name: `Date_of_Birth` → date, of, birth; `CustomerID` → customer, id.
pub fn name_lemmas(name: &str) -> Vec<String> {
    let mut out = Vec::new();
    for part in name.split(['_', ' ', '-', '.']) {
        for piece in split_camel(part) {
            let text = piece.to_lowercase();
            if !text.is_empty() {
                out.push(lemma(&text));
            }
        }
    }
    out
}

/// Splits `snake_case` words that a question might contain as written ("order_date").
fn split_identifier(raw: &str) -> Vec<String> {
    raw.split('_').filter(|p| !p.is_empty()).map(str::to_owned).collect()
}

/// `CustomerID` → Customer, ID; `firstName` → first, Name; `HTMLPage` → HTML, Page.
fn split_camel(part: &str) -> Vec<String> {
    let chars: Vec<char> = part.chars().collect();
    let mut out = Vec::new();
    let mut start = 0;
    for i in 1..chars.len() {
        let (prev, cur) = (chars[i - 1], chars[i]);
        let next_lower = chars.get(i + 1).is_some_and(|c| c.is_lowercase());
        let boundary = (prev.is_lowercase() && cur.is_uppercase())
            || (prev.is_uppercase() && cur.is_uppercase() && next_lower)
            || (prev.is_alphabetic() && cur.is_ascii_digit())
            || (prev.is_ascii_digit() && cur.is_alphabetic());
        if boundary {
            out.push(chars[start..i].iter().collect());
            start = i;
        }
    }
    if start < chars.len() {
        out.push(chars[start..].iter().collect());
    }
    out
}

/// Words whose plural is not made by the rules below, or that look plural and are not.
const IRREGULAR: &[(&str, &str)] = &[
    ("people", "person"),
    ("persons", "person"),
    ("men", "man"),
    ("women", "woman"),
    ("children", "child"),
    ("feet", "foot"),
    ("teeth", "tooth"),
    ("mice", "mouse"),
    ("geese", "goose"),
    ("indices", "index"),
    ("criteria", "criterion"),
    ("statuses", "status"),
    ("buses", "bus"),
    ("bonuses", "bonus"),
    ("campuses", "campus"),
    ("viruses", "virus"),
    ("movies", "movie"),
    ("cookies", "cookie"),
    ("ties", "tie"),
    ("lies", "lie"),
    ("calories", "calorie"),
    ("rookies", "rookie"),
    ("zombies", "zombie"),
    ("species", "species"),
    ("series", "series"),
    ("news", "news"),
    ("wives", "wife"),
    ("lives", "life"),
    ("knives", "knife"),
    ("leaves", "leaf"),
    ("shelves", "shelf"),
    ("halves", "half"),
    ("heroes", "hero"),
    ("potatoes", "potato"),
    ("tomatoes", "tomato"),
    ("analyses", "analysis"),
    ("theses", "thesis"),
    ("crises", "crisis"),
    ("data", "data"),
    ("ids", "id"),
    ("media", "media"),
];

/// Words ending in `s` that are singular.
const SINGULAR_S: &[&str] = &[
    "status",
    "bus",
    "bonus",
    "campus",
    "virus",
    "analysis",
    "thesis",
    "crisis",
    "basis",
    "axis",
    "gas",
    "series",
    "species",
    "news",
    "its",
    "this",
    "his",
    "has",
    "was",
    "is",
    "us",
    "yes",
    "plus",
    "minus",
    "focus",
    "census",
    "chassis",
    "canvas",
    "alias",
    "atlas",
    "bias",
    "lens",
    "physics",
    "mathematics",
    "economics",
    "politics",
    "athletics",
    "gymnastics",
    "statistics",
    "always",
    "perhaps",
    "whereas",
    "previous",
    "various",
    "famous",
    "across",
    "less",
    "unless",
    "address",
    "class",
    "pass",
    "boss",
    "loss",
    "process",
    "access",
    "business",
    "success",
    "progress",
    "express",
    "glass",
    "grass",
    "mass",
    "chess",
    "dress",
    "kiss",
    "miss",
    "cross",
    "gross",
    "press",
    "stress",
    "witness",
    "wellness",
    "fitness",
    "illness",
    "sickness",
    "thickness",
    "nas",
    "ios",
    "dos",
    "os",
    "sales_tax",
];

/// The singular of an English noun, or the word itself.
pub fn lemma(word: &str) -> String {
    if let Some((_, s)) = IRREGULAR.iter().find(|(p, _)| *p == word) {
        return (*s).to_owned();
    }
    if word.len() <= 3 || !word.ends_with('s') || SINGULAR_S.contains(&word) || word.ends_with("ss") {
        return word.to_owned();
    }
    if word.ends_with("us") || word.ends_with("is") {
        return word.to_owned();
    }
    if let Some(stem) = word.strip_suffix("ies") {
        if stem.len() >= 2 {
            return format!("{stem}y");
        }
    }
    for suffix in ["sses", "shes", "ches", "xes", "zzes"] {
        if word.ends_with(suffix) {
            return word[..word.len() - 2].to_owned();
        }
    }
    word[..word.len() - 1].to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(q: &str) -> Vec<String> {
        tokenize(q).iter().map(|t| t.key().to_owned()).collect()
    }

    #[test]
    fn plurals_meet_their_singulars() {
        for (plural, singular) in [
            ("countries", "country"),
            ("cities", "city"),
            ("addresses", "address"),
            ("matches", "match"),
            ("boxes", "box"),
            ("employees", "employee"),
            ("courses", "course"),
            ("statuses", "status"),
            ("movies", "movie"),
            ("people", "person"),
            ("singers", "singer"),
            ("classes", "class"),
            ("ids", "id"),
        ] {
            assert_eq!(lemma(plural), lemma(singular), "{plural} vs {singular}");
        }
        assert_eq!(lemma("status"), "status");
        assert_eq!(lemma("is"), "is");
    }

    #[test]
    fn names_split_on_case_and_underscores() {
        assert_eq!(name_lemmas("Date_of_Birth"), ["date", "of", "birth"]);
        assert_eq!(name_lemmas("CustomerID"), ["customer", "id"]);
        assert_eq!(name_lemmas("firstName"), ["first", "name"]);
        assert_eq!(name_lemmas("order_items"), ["order", "item"]);
        assert_eq!(name_lemmas("HTMLPage"), ["html", "page"]);
    }

    #[test]
    fn questions_become_lemmas_numbers_and_quotes() {
        assert_eq!(
            keys("How many singers' songs are from 'New York'?"),
            ["how", "many", "singer", "song", "are", "from", "New York"]
        );
        assert_eq!(keys("Orders over 1,200.50 in 2023"), ["order", "over", "1200.50", "in", "2023"]);
        assert_eq!(keys("the singer's age"), ["the", "singer", "age"]);
        assert_eq!(tokenize("O'Brien")[0].key(), "o'brien");
        assert_eq!(keys("top-3 e-mail"), ["top", "3", "e-mail"]);
        assert_eq!(keys("at least two, not one or Twelve"), ["at", "least", "2", ",", "not", "one", "or", "12"]);
    }
}
