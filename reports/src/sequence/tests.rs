//! Unit tests of the sequence diagram: stable bytes, lanes, arrows, marks, selection.

use super::*;
use models::{FaultLabel, ServiceId};
use sim_core::SimDuration;

fn ms(n: u64) -> SimTime {
    SimTime::from_nanos(n * 1_000_000)
}

fn attempt(request: u64, attempt: u32) -> AttemptRef {
    AttemptRef { request, attempt }
}

/// web → api[0] → db[0]: request 0 calls db (request 1), whose first attempt is lost and
/// times out, whose retry meets a full queue; the call fails, so request 0 gets an error.
/// Then a crash of db[0], and request 2 refused by web's open breaker.
fn trace(names: [&str; 3]) -> Trace {
    let (web, api, db) = (NodeId(0), NodeId(1), NodeId(2));
    let sent = |from, to, a, transit, timeout: Option<SimTime>| Happening::AttemptSent {
        from,
        to,
        attempt: a,
        hedge: false,
        transit,
        timeout_at: timeout,
    };
    let events: Vec<(u64, Vec<Happening>)> = vec![
        (
            0,
            vec![
                Happening::Arrival {
                    client: web,
                    request: 0,
                },
                sent(
                    web,
                    api,
                    attempt(0, 1),
                    Transit::Delivered(ms(1)),
                    Some(ms(50)),
                ),
            ],
        ),
        (
            1,
            vec![
                Happening::AttemptArrived {
                    from: web,
                    to: api,
                    attempt: attempt(0, 1),
                    cancelled: false,
                },
                Happening::Admission {
                    replica: api,
                    attempt: attempt(0, 1),
                    admitted: Admitted::Started(SimDuration::from_millis(2)),
                },
            ],
        ),
        (
            3,
            vec![
                Happening::WorkDone {
                    replica: api,
                    attempt: attempt(0, 1),
                },
                Happening::CallStarted {
                    caller: api,
                    request: 1,
                    parent: attempt(0, 1),
                    service: ServiceId(1),
                    call: 0,
                },
                sent(api, db, attempt(1, 1), Transit::Dropped, Some(ms(13))),
            ],
        ),
        (
            13,
            vec![
                Happening::Timeout {
                    caller: api,
                    replica: db,
                    attempt: attempt(1, 1),
                },
                Happening::RetryScheduled {
                    caller: api,
                    request: 1,
                    attempt: 2,
                    at: ms(15),
                },
            ],
        ),
        (
            15,
            vec![
                Happening::Retry {
                    caller: api,
                    request: 1,
                    attempt: 2,
                },
                sent(api, db, attempt(1, 2), Transit::Delivered(ms(16)), None),
            ],
        ),
        (
            16,
            vec![
                Happening::Admission {
                    replica: db,
                    attempt: attempt(1, 2),
                    admitted: Admitted::QueueFull,
                },
                Happening::ReplySent {
                    from: db,
                    to: api,
                    attempt: attempt(1, 2),
                    reply: Reply::Rejected,
                    transit: Transit::Delivered(ms(17)),
                },
            ],
        ),
        (
            17,
            vec![
                Happening::RequestDone {
                    caller: api,
                    request: 1,
                    outcome: Done::Failed,
                    latency: SimDuration::from_millis(14),
                    attempts: 2,
                },
                Happening::ReplySent {
                    from: api,
                    to: web,
                    attempt: attempt(0, 1),
                    reply: Reply::Error,
                    transit: Transit::Delivered(ms(18)),
                },
            ],
        ),
        (
            19,
            vec![Happening::Fault {
                fault: 0,
                start: true,
            }],
        ),
        (
            20,
            vec![
                Happening::Arrival {
                    client: web,
                    request: 2,
                },
                Happening::RejectedLocally {
                    caller: web,
                    request: 2,
                    attempt: 1,
                    reason: LocalRejection::BreakerOpen,
                },
            ],
        ),
    ];
    let mut records = Vec::new();
    for (index, (at, happenings)) in events.into_iter().enumerate() {
        for what in happenings {
            records.push(TraceRecord {
                event: index as u64 + 1,
                at: ms(at),
                what,
            });
        }
    }
    Trace {
        nodes: names.iter().map(|n| n.to_string()).collect(),
        clients: 1,
        services: vec!["api".into(), "db".into()],
        replicas: vec![1, 1],
        faults: vec![FaultLabel {
            kind: "crash".into(),
            target: "db[0]".into(),
            start: ms(19),
            end: ms(30),
        }],
        from: SimTime::ZERO,
        to: ms(1_000),
        records,
        truncated: false,
        parts: Vec::new(),
        election: None,
        database: None,
        quorum: None,
    }
}

fn options(requests_max: usize) -> SequenceOptions {
    SequenceOptions {
        title: "test seed 1".into(),
        requests_max,
    }
}

/// A small well-formedness check: tags nest and close, and text has no bare `<` or `&`.
fn well_formed(svg: &str) -> Result<(), String> {
    let mut open: Vec<&str> = Vec::new();
    let mut rest = svg;
    while let Some(start) = rest.find('<') {
        let text = &rest[..start];
        if text
            .replace("&amp;", "")
            .replace("&lt;", "")
            .replace("&gt;", "")
            .replace("&quot;", "")
            .contains('&')
        {
            return Err(format!("bare & in {text:?}"));
        }
        let end = rest[start..].find('>').ok_or("unclosed tag")? + start;
        let tag = &rest[start + 1..end];
        if let Some(name) = tag.strip_prefix('/') {
            let top = open.pop().ok_or(format!("</{name}> closes nothing"))?;
            if top != name {
                return Err(format!("</{name}> closes <{top}>"));
            }
        } else if !tag.ends_with('/') {
            let name = tag.split_whitespace().next().ok_or("empty tag")?;
            open.push(name);
        }
        if tag.matches('"').count() % 2 != 0 {
            return Err(format!("unbalanced quotes in <{tag}>"));
        }
        rest = &rest[end + 1..];
    }
    if open.is_empty() {
        Ok(())
    } else {
        Err(format!("unclosed: {open:?}"))
    }
}

#[test]
fn the_same_trace_gives_the_same_bytes() {
    let a = render(&trace(["web", "api[0]", "db[0]"]), &options(20));
    let b = render(&trace(["web", "api[0]", "db[0]"]), &options(20));
    assert_eq!(a, b);
    assert!(a
        .svg
        .starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
    assert!(a.svg.ends_with("</svg>\n"));
    well_formed(&a.svg).unwrap();
}

#[test]
fn every_node_has_a_lane_and_every_message_an_arrow() {
    let diagram = render(&trace(["web", "api[0]", "db[0]"]), &options(20));
    let svg = &diagram.svg;
    for lane in ["web", "api[0]", "db[0]"] {
        assert!(svg.contains(&format!(">{lane}</text>")), "lane {lane}");
    }
    assert_eq!((diagram.requests_drawn, diagram.requests_in_window), (2, 2));
    assert!(svg.contains("the first 2 of 2 client requests starting in 0s..1s"));
    // Two requests delivered and two replies, each with a head; seven more in the legend.
    assert_eq!(svg.matches("marker-end=").count(), 4 + 7);
    assert_eq!(
        svg.matches(r#"stroke-dasharray="6 3" marker-end"#).count(),
        2 + 5
    );
    for label in [
        ">r0<",
        ">r1 lost<",
        ">timeout r1<",
        ">r1 retry 1<",
        ">queue full<",
        ">error<",
        ">r1 failed after 2<",
        ">crash db[0] starts<",
        ">breaker open r2<",
    ] {
        assert!(svg.contains(label), "{label} in\n{svg}");
    }
    // One bar: api[0] served request 0 from 1 ms until it replied at 17 ms.
    assert_eq!(
        svg.matches(r##"fill="#bbdefb""##).count(),
        1 + 1,
        "bar and legend"
    );
}

#[test]
fn only_the_first_requests_and_their_calls_are_drawn() {
    let diagram = render(&trace(["web", "api[0]", "db[0]"]), &options(1));
    assert_eq!((diagram.requests_drawn, diagram.requests_in_window), (1, 2));
    assert!(diagram.svg.contains("the first 1 of 2 client requests"));
    assert!(
        diagram.svg.contains(">r1 retry 1<"),
        "the call of request 0"
    );
    assert!(!diagram.svg.contains("breaker open r2"));
}

#[test]
fn names_are_escaped() {
    let diagram = render(&trace(["w<e>b", "a&pi[0]", "db[0]"]), &options(20));
    assert!(diagram.svg.contains(">w&lt;e&gt;b</text>"));
    assert!(diagram.svg.contains(">a&amp;pi[0]</text>"));
    well_formed(&diagram.svg).unwrap();
}

#[test]
fn an_empty_window_says_so() {
    let mut empty = trace(["web", "api[0]", "db[0]"]);
    empty.records.clear();
    let diagram = render(&empty, &options(20));
    assert!(diagram.svg.contains("no client request starts in 0s..1s"));
    well_formed(&diagram.svg).unwrap();
}

#[test]
fn a_fan_out_shares_a_lane_and_an_arrow() {
    // One client, a root, and 20 leaves: too many lanes, so the leaves share one.
    let mut nodes = vec!["user".to_string(), "root[0]".to_string()];
    nodes.extend((0..20).map(|r| format!("leaf[{r}]")));
    let mut records = vec![TraceRecord {
        event: 1,
        at: ms(0),
        what: Happening::Arrival {
            client: NodeId(0),
            request: 0,
        },
    }];
    for leaf in 0..20u32 {
        let request = u64::from(leaf) + 1;
        records.push(TraceRecord {
            event: 1,
            at: ms(0),
            what: Happening::CallStarted {
                caller: NodeId(1),
                request,
                parent: attempt(0, 1),
                service: ServiceId(1),
                call: 0,
            },
        });
        records.push(TraceRecord {
            event: 1,
            at: ms(0),
            what: Happening::AttemptSent {
                from: NodeId(1),
                to: NodeId(2 + leaf),
                attempt: attempt(request, 1),
                hedge: false,
                transit: Transit::Delivered(ms(1)),
                timeout_at: None,
            },
        });
    }
    let fan = Trace {
        nodes,
        clients: 1,
        services: vec!["root".into(), "leaf".into()],
        replicas: vec![1, 20],
        faults: Vec::new(),
        from: SimTime::ZERO,
        to: ms(1_000),
        records,
        truncated: false,
        parts: Vec::new(),
        election: None,
        database: None,
        quorum: None,
    };
    let svg = render(&fan, &options(20)).svg;
    assert!(
        svg.contains(">leaf[0..19]</text>"),
        "one lane for the leaves"
    );
    assert!(!svg.contains(">leaf[3]</text>"));
    assert!(
        svg.contains(">r1 and 19 more<"),
        "one arrow for the fan-out"
    );
    well_formed(&svg).unwrap();
}
