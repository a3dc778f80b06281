//! Browsing the organization tree: the tree itself (expand and collapse, children loaded on
//! demand), search by name, pinyin initials or code, and one organization's page.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use jiceng_store::org::{self, ListFilter, Node, Org, Show};
use jiceng_types::{OrgId, OrgStatus, Right, Scope};
use serde::Deserialize;

use crate::AppState;
use crate::error::PageError;
use crate::extract::{Me, PagePath};
use crate::view::{self, Ctx};

/// An organization as the tree shows it.
#[derive(Debug, Clone)]
pub struct NodeView {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Kind label.
    pub kind: &'static str,
    /// Status label, if not active.
    pub inactive: Option<&'static str>,
    /// Active child organizations.
    pub children: i64,
    /// Active organizations in the subtree, itself included.
    pub subtree_orgs: i64,
    /// Active members in the subtree (shown only with the right to read members).
    pub subtree_members: Option<i64>,
    /// The term has ended.
    pub term_expired: bool,
}

impl NodeView {
    fn of(n: &Node, scope: &Scope) -> NodeView {
        NodeView {
            id: n.org.id.0,
            name: n.org.name.clone(),
            kind: n.org.kind.label(),
            inactive: (n.org.status != OrgStatus::Active).then(|| n.org.status.label()),
            children: n.children,
            subtree_orgs: n.subtree_orgs,
            subtree_members: scope.can(Right::ReadMembers).then_some(n.subtree_members),
            term_expired: n.org.term_expired(view::today()),
        }
    }
}

/// A root of the tree with its first level of children already open.
pub struct RootView {
    /// The root.
    pub node: NodeView,
    /// Its children.
    pub nodes: Vec<NodeView>,
}

/// A row of search results.
pub struct OrgRow {
    /// The organization.
    pub org: Org,
    /// Its term has ended.
    pub expired: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "orgs/tree.html")]
pub struct TreePage {
    ctx: Ctx,
    q: String,
    show_all: bool,
    expired: bool,
    roots: Vec<RootView>,
    results: Vec<OrgRow>,
    total: u64,
    searching: bool,
    can_create_root: bool,
    can_write: bool,
    can_export: bool,
    export_query: String,
}

/// Query of the tree page.
#[derive(Debug, Deserialize, Default)]
pub struct TreeQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    show: String,
    #[serde(default)]
    expired: String,
    #[serde(default)]
    fmt: String,
    done: Option<String>,
}

/// `GET /orgs`: the tree, or search results when `q` is given.
pub async fn tree(State(state): State<AppState>, me: Me, Query(q): Query<TreeQuery>) -> Result<TreePage, PageError> {
    let s = me.scope();
    let show = if q.show == "all" { Show::All } else { Show::Active };
    let expired = q.expired == "1";
    let searching = !q.q.trim().is_empty() || expired;
    let (mut roots, mut results, mut total) = (Vec::new(), Vec::new(), 0);
    if searching {
        let filter = tree_filter(&q);
        let page = org::list(&state.db, s, &filter, 1, 200).await?;
        total = page.total;
        let today = view::today();
        results = page.items.into_iter().map(|o| OrgRow { expired: o.term_expired(today), org: o }).collect();
    } else {
        for (root, children) in org::top(&state.db, s, show).await? {
            roots.push(RootView {
                node: NodeView::of(&root, s),
                nodes: children.iter().map(|n| NodeView::of(n, s)).collect(),
            });
        }
    }
    let export_query = format!(
        "q={}&show={}&expired={}",
        crate::extract::urlencode(&q.q),
        crate::extract::urlencode(&q.show),
        crate::extract::urlencode(&q.expired)
    );
    Ok(TreePage {
        ctx: Ctx::new(&me, "组织体系", "orgs").with_flash(q.done.as_deref()),
        q: q.q,
        show_all: show == Show::All,
        expired,
        roots,
        results,
        total,
        searching,
        can_create_root: s.can(Right::CreateRootOrgs),
        can_write: s.can(Right::WriteOrgs),
        can_export: s.can(Right::Export),
        export_query,
    })
}

/// The filter of a search of the tree (and of its export).
fn tree_filter(q: &TreeQuery) -> ListFilter {
    ListFilter {
        q: Some(q.q.clone()).filter(|x| !x.trim().is_empty()),
        show: if q.show == "all" { Show::All } else { Show::Active },
        term_expired_before: (q.expired == "1").then(view::today),
        ..Default::default()
    }
}

/// `GET /orgs/export?fmt=xlsx|csv&…`: the organizations in scope (those found, when searching),
/// as a file in the import template's layout.
pub async fn export(
    State(state): State<AppState>,
    me: Me,
    Query(q): Query<TreeQuery>,
) -> Result<axum::response::Response, PageError> {
    let format = super::files::format(&q.fmt);
    let (bytes, _) = jiceng_store::export::orgs(&state.db, me.scope(), &me.meta, &tree_filter(&q), format).await?;
    Ok(super::files::download(bytes, "党组织名单", "orgs", format))
}

#[derive(Template, WebTemplate)]
#[template(path = "orgs/nodes.html")]
pub struct NodesFragment {
    nodes: Vec<NodeView>,
    show_all: bool,
}

/// Query of the children fragment.
#[derive(Debug, Deserialize, Default)]
pub struct ChildrenQuery {
    #[serde(default)]
    show: String,
}

/// `GET /orgs/{id}/children`: the children of one organization, as a list fragment (htmx).
pub async fn children(
    State(state): State<AppState>,
    me: Me,
    PagePath(id): PagePath<i64>,
    Query(q): Query<ChildrenQuery>,
) -> Result<NodesFragment, PageError> {
    let show = if q.show == "all" { Show::All } else { Show::Active };
    let nodes = org::children(&state.db, me.scope(), &me.meta, OrgId(id), show).await?;
    Ok(NodesFragment {
        nodes: nodes.iter().map(|n| NodeView::of(n, me.scope())).collect(),
        show_all: show == Show::All,
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "orgs/detail.html")]
pub struct DetailPage {
    ctx: Ctx,
    org: Org,
    ancestors: Vec<Org>,
    merged_into: Option<Org>,
    nodes: Vec<NodeView>,
    show_all: bool,
    history: Vec<org::Event>,
    expired: bool,
    can_edit: bool,
    can_add_child: bool,
    can_restructure: bool,
    show_members: bool,
    can_record: bool,
    subtree_orgs: i64,
    subtree_members: i64,
}

/// `GET /orgs/{id}`
pub async fn detail(
    State(state): State<AppState>,
    me: Me,
    PagePath(id): PagePath<i64>,
    Query(q): Query<TreeQuery>,
) -> Result<DetailPage, PageError> {
    let s = me.scope();
    let o = org::get(&state.db, s, &me.meta, OrgId(id)).await?;
    let ancestors = org::ancestors(&state.db, s, &o).await?;
    let merged_into = match o.merged_into_id {
        Some(m) => org::get(&state.db, s, &me.meta, m).await.ok(),
        None => None,
    };
    let nodes = org::children(&state.db, s, &me.meta, o.id, Show::All).await?;
    let history = org::history(&state.db, s, &me.meta, o.id).await?;
    let (subtree_orgs, subtree_members) = {
        let own = org::node(&state.db, o.clone()).await?;
        (own.subtree_orgs, own.subtree_members)
    };
    let active = o.status == OrgStatus::Active;
    let write = s.can(Right::WriteOrgs) && active;
    Ok(DetailPage {
        ctx: Ctx::new(&me, o.name.clone(), "orgs").with_flash(q.done.as_deref()),
        expired: o.term_expired(view::today()),
        can_edit: write || (active && s.can(Right::CreateRootOrgs) && o.parent_id.is_none()),
        can_add_child: write && !o.kind.is_branch(),
        can_restructure: write && !s.is_root(&o.path) && o.parent_id.is_some(),
        show_members: s.can(Right::ReadMembers),
        can_record: s.can(Right::WriteRecords) && active,
        nodes: nodes.iter().map(|n| NodeView::of(n, s)).collect(),
        show_all: true,
        ancestors,
        merged_into,
        history,
        subtree_orgs,
        subtree_members,
        org: o,
    })
}

/// Query of the lookup fragment.
#[derive(Debug, Deserialize, Default)]
pub struct LookupQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    target: String,
}

#[derive(Template, WebTemplate)]
#[template(
    source = "{% for o in items %}<option value=\"{{ o.code }}\">{{ o.name }}（{{ o.kind.label() }}）</option>{% endfor %}",
    ext = "html"
)]
pub struct LookupFragment {
    items: Vec<Org>,
}

/// `GET /orgs/lookup?q=`: suggestions for an organization field (htmx fills a `<datalist>`).
pub async fn lookup(
    State(state): State<AppState>,
    me: Me,
    Query(q): Query<LookupQuery>,
) -> Result<LookupFragment, PageError> {
    let text = if q.q.trim().is_empty() { q.target } else { q.q };
    let items = if text.trim().is_empty() {
        Vec::new()
    } else {
        let filter = ListFilter { q: Some(text), ..Default::default() };
        org::list(&state.db, me.scope(), &filter, 1, 20).await?.items
    };
    Ok(LookupFragment { items })
}
