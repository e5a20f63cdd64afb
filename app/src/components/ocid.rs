use leptos::prelude::*;

/// An OCID in monospace, shortened in the middle (`ocid1.onstopic.oc1.iad…x7q2`) with the full
/// value on hover and in the accessible name.
#[component]
pub fn Ocid(#[prop(into)] id: String) -> impl IntoView {
    let short = shorten(&id);
    view! {
        <span class="ocid mono" title=id.clone() aria-label=id>
            {short}
        </span>
    }
}

/// Keeps the type, realm and region (everything up to the last dot) and the last four characters.
fn shorten(id: &str) -> String {
    const TAIL: usize = 4;
    let Some(dot) = id.rfind('.') else {
        return id.to_owned();
    };
    let (prefix, unique) = (&id[..=dot], &id[dot + 1..]);
    if unique.chars().count() <= TAIL + 2 {
        return id.to_owned();
    }
    let tail: String = unique.chars().rev().take(TAIL).collect::<Vec<_>>().into_iter().rev().collect();
    format!("{}…{tail}", prefix.trim_end_matches('.'))
}

#[cfg(test)]
mod tests {
    use super::shorten;

    #[test]
    fn keeps_the_kind_and_region_and_the_tail() {
        assert_eq!(shorten("ocid1.onstopic.oc1.iad.aaaaaaaabbbbx7q2"), "ocid1.onstopic.oc1.iad…x7q2");
        assert_eq!(shorten("ocid1.compartment.oc1..sandboxdev"), "ocid1.compartment.oc1…xdev");
        assert_eq!(shorten("short"), "short");
        assert_eq!(shorten("ocid1.x.oc1..abc"), "ocid1.x.oc1..abc");
    }
}
