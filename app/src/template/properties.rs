//! Property tests: the template loader and renderer never panic, whatever the document or the
//! parameter values. Run longer with `make fuzz`.

use super::{Template, render::render};
use crate::condition::properties::json_value;
use proptest::prelude::*;
use std::collections::BTreeMap;

proptest! {
    #[test]
    fn never_panics_loading_any_text(text in "\\PC{0,400}") {
        let _ = Template::parse(&text);
    }

    #[test]
    fn never_panics_loading_any_json(value in json_value()) {
        let _ = Template::parse(&value.to_string());
    }

    #[test]
    fn never_panics_rendering_a_starter_with_any_values(
        starter in 0..crate::template::starters::STARTERS.len(),
        values in prop::collection::btree_map("[a-z_]{1,12}", json_value(), 0..6),
    ) {
        let template = crate::template::starters::STARTERS[starter].template();
        prop_assert!(template.is_ok(), "the starters load");
        let Ok(template) = template else { return Ok(()) };
        let values: BTreeMap<_, _> = values.into_iter().collect();
        let _ = render(&template, &values, false);
        let _ = render(&template, &values, true);
    }
}
