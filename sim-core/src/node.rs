//! Nodes: the dense ids the network and its fault rules address, and sets of them.
//!
//! The models crate numbers every client and service replica; a `NodeSet` is finitely many
//! of them or every node except finitely many (so "everyone but zone a" needs no list of
//! everyone).

/// A node: a dense index that the models crate assigns to each client and service replica.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NodeId(pub u32);

/// A set of nodes: finitely many, or every node except finitely many.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeSet {
    /// Sorted and without repeats, so that equal sets compare equal.
    members: Vec<NodeId>,
    /// If set, the set is every node *except* `members`.
    complement: bool,
}

impl NodeSet {
    /// Every node.
    pub fn all() -> NodeSet {
        NodeSet {
            members: Vec::new(),
            complement: true,
        }
    }

    /// No node.
    pub fn empty() -> NodeSet {
        NodeSet {
            members: Vec::new(),
            complement: false,
        }
    }

    /// Just `node`.
    pub fn one(node: NodeId) -> NodeSet {
        NodeSet {
            members: vec![node],
            complement: false,
        }
    }

    /// Exactly the given nodes (repeats are fine).
    ///
    /// ```
    /// use sim_core::{NodeId, NodeSet};
    /// let zone_a = NodeSet::from_nodes((0..4).map(NodeId));
    /// assert!(zone_a.contains(NodeId(3)));
    /// assert!(!zone_a.contains(NodeId(4)));
    /// assert!(zone_a.complement().contains(NodeId(4)));
    /// ```
    pub fn from_nodes(nodes: impl IntoIterator<Item = NodeId>) -> NodeSet {
        let mut members: Vec<NodeId> = nodes.into_iter().collect();
        members.sort_unstable();
        members.dedup();
        NodeSet {
            members,
            complement: false,
        }
    }

    /// Every node not in this set.
    pub fn complement(&self) -> NodeSet {
        NodeSet {
            members: self.members.clone(),
            complement: !self.complement,
        }
    }

    /// Whether `node` is in the set.
    pub fn contains(&self, node: NodeId) -> bool {
        self.members.binary_search(&node).is_ok() != self.complement
    }

    /// Whether no node is in both sets (two complements always share a node).
    pub fn is_disjoint(&self, other: &NodeSet) -> bool {
        match (self.complement, other.complement) {
            (false, _) => self.members.iter().all(|&node| !other.contains(node)),
            (true, false) => other.members.iter().all(|&node| !self.contains(node)),
            // Each excludes finitely many of the 2^32 ids, so both contain the rest.
            (true, true) => false,
        }
    }
}

impl FromIterator<NodeId> for NodeSet {
    fn from_iter<I: IntoIterator<Item = NodeId>>(nodes: I) -> NodeSet {
        NodeSet::from_nodes(nodes)
    }
}
