# Tool-call policy: which role may call which tool, argument constraints, egress and risk limits.
# Input (built by libs/policy):
#   tenant_id, principal {role, key_id}, tool, risk (low|medium|high), arguments, requested_by (model|user),
#   context (the SLM classification of the user's message, libs/policy PolicyContext: either
#   {classification: "classified", intent, sentiment, tags} in the classifier's closed label sets
#   (libs/contracts classification-labels.contract.ts; a unit test fails when this file names another label), or
#   {classification: "unavailable", reason}), resource (facts derived from the arguments, e.g. the scheme and host
#   of a URL).
# Output: data.soma.tools.decision = {outcome: allow|deny|require_approval, rule_ids, reasons, settings_loaded},
# and with require_approval an `approver`: "user" (the session's own user answers in the chat) or "admin" (the
# requeue). An approval rule says its approver; one without says "admin". When several fire, "admin" wins (the
# stricter). `settings_loaded` is false while OPA holds no tenant settings (data.soma.settings_loaded, written by
# libs/policy after it loads them from PostgreSQL): the caller then reloads them and asks again, and never acts on
# such a decision (docs/policy.md).
# With deny an `overridable` flag: true only when every deny rule that fired marks itself `"overridable": true`.
# Only the operator may override such a deny (tenant admins never override a deny). SSRF (address, port,
# scheme), role, catalogue and tenant-grant rules are never overridable.
package soma.tools

import rego.v1

# Tools policy knows about, and the roles that may call them.
catalogue := {
	"code.execute": {"roles": {"admin", "user"}},
	"http.fetch": {"roles": {"admin", "user"}},
	"web.search": {"roles": {"admin", "user"}},
	"memory.write": {"roles": {"admin", "user"}},
	"memory.search": {"roles": {"admin", "user"}},
}

# Per-tenant settings live in data.soma.tenants[<tenant id>], loaded by libs/policy from PostgreSQL
# (PUT /v1/tenants/{id}/policy; a tenant without settings has no entry and gets the defaults):
#   egress_hosts: hosts http.fetch may reach ("*.example.org" matches subdomains), default [],
#   allowed_cidrs: address ranges (CIDR) http.fetch may connect to, default [],
#   allowed_ports: ports http.fetch may connect to, default [80, 443],
#   disabled_tools: tools switched off for the tenant, default [],
#   user_approval_tools: tools whose calls the session's own user approves in the chat before they run, default [].
# data.soma.settings_loaded = {revision, tenants, loaded_at}: present once the settings are loaded.
default tenant := {}

default settings_loaded := false

settings_loaded if data.soma.settings_loaded

tenant := data.soma.tenants[input.tenant_id]

egress_hosts := object.get(tenant, "egress_hosts", [])

disabled_tools := object.get(tenant, "disabled_tools", [])

user_approval_tools := object.get(tenant, "user_approval_tools", [])

# http.fetch: internal address ranges the operator opened for this tenant, and the ports it may connect to.
allowed_cidrs := object.get(tenant, "allowed_cidrs", [])

allowed_ports := object.get(tenant, "allowed_ports", [80, 443])

secret_patterns := [
	`soma_[A-Za-z0-9_]{20,}`,
	`AKIA[0-9A-Z]{16}`,
	`-----BEGIN [A-Z ]*PRIVATE KEY-----`,
	`(?i)password\s*[:=]\s*\S+`,
]

deny contains {"id": "tools.unknown", "reason": sprintf("tool %q is not in the policy catalogue", [input.tool])} if {
	not catalogue[input.tool]
	not mcp_tool
}

# A tool of one of the tenant's MCP servers (docs/mcp.md): named mcp.<server>.<tool>, and the executor says so in
# resource (source "mcp", server, transport, remote_tool). Granting it stays OpenFGA's (registration grants it);
# rules here decide on it like on any tool (tenant settings disable it or ask for approval by its name).
mcp_tool if {
	startswith(input.tool, "mcp.")
	input.resource.source == "mcp"
	startswith(input.tool, sprintf("mcp.%s.", [input.resource.server]))
}

deny contains {"id": "mcp.role_forbidden", "reason": msg} if {
	mcp_tool
	not input.principal.role in {"admin", "user"}
	msg := sprintf("role %q may not call MCP tools", [input.principal.role])
}

deny contains {"id": "tools.role_forbidden", "reason": msg} if {
	entry := catalogue[input.tool]
	not input.principal.role in entry.roles
	msg := sprintf("role %q may not call %q", [input.principal.role, input.tool])
}

deny contains {"id": "tools.disabled_for_tenant", "reason": msg} if {
	input.tool in disabled_tools
	msg := sprintf("tool %q is disabled for this tenant", [input.tool])
}

deny contains {"id": "code.bash_admin_only", "reason": "bash programs may only be run by admins"} if {
	input.tool == "code.execute"
	input.arguments.language == "bash"
	input.principal.role != "admin"
}

deny contains {"id": "http.scheme_not_allowed", "reason": msg} if {
	input.tool == "http.fetch"
	not input.resource.scheme in {"http", "https"}
	msg := sprintf("scheme %q is not allowed; use http or https", [input.resource.scheme])
}

deny contains {"id": "http.egress_not_allowed", "reason": msg, "overridable": true} if {
	input.tool == "http.fetch"
	not egress_allowed(input.resource.host)
	msg := sprintf("host %q is not on this tenant's egress allow-list", [input.resource.host])
}

# The tool resolves the host itself and puts every address in resource.addresses with its range ("public",
# "loopback", "private", "link_local", "cgnat", ...); it then connects to that address only.
deny contains {"id": "http.address_not_allowed", "reason": msg} if {
	input.tool == "http.fetch"
	count(refused_addresses) > 0
	msg := sprintf(
		"host %q resolves to %s: not a public address, and no CIDR of this tenant allows it",
		[input.resource.host, concat(", ", refused_addresses)],
	)
}

refused_addresses := [sprintf("%s (%s)", [entry.address, entry.range]) |
	some entry in object.get(input.resource, "addresses", [])
	entry.range != "public"
	not cidr_allowed(entry.address)
]

deny contains {"id": "http.address_unresolved", "reason": msg} if {
	input.tool == "http.fetch"
	not is_array(object.get(input.resource, "addresses", null))
	msg := sprintf("the addresses of host %q were not resolved by the tool", [input.resource.host])
}

deny contains {"id": "http.port_not_allowed", "reason": msg} if {
	input.tool == "http.fetch"
	not input.resource.port in allowed_ports
	msg := sprintf("port %v is not allowed for this tenant (allowed: %v)", [input.resource.port, allowed_ports])
}

deny contains {"id": "memory.no_secrets", "reason": "notes must not contain credentials or secrets", "overridable": true} if {
	input.tool == "memory.write"
	some pattern in secret_patterns
	regex.match(pattern, input.arguments.content)
}

# Tags of the classifier that mark a message as personal or secret: nothing of it goes to memory.
sensitive_tags := {"privacy", "security"}

classified if input.context.classification == "classified"

deny contains {"id": "memory.sensitive_context", "reason": msg, "overridable": true} if {
	input.tool == "memory.write"
	classified
	some tag in input.context.tags
	tag in sensitive_tags
	msg := sprintf("the message was classified %q: it is not written to memory", [tag])
}

# Without a classification (it timed out, failed, or no user message is behind the call) "no sensitive tag"
# proves nothing: the session's user approves a write the model asks for.
approval contains {"id": "memory.unclassified_context", "reason": msg, "approver": "user"} if {
	input.tool == "memory.write"
	input.requested_by == "model"
	not classified
	msg := sprintf("the message could not be classified (%s): approve writing this note to memory", [object.get(input.context, "reason", "MISSING")])
}

approval contains {"id": "risk.high_needs_approval", "reason": msg, "approver": "admin"} if {
	input.risk == "high"
	input.principal.role != "admin"
	msg := sprintf("%q is a high-risk tool: a non-admin call needs an admin's approval", [input.tool])
}

approval contains {"id": "tenant.user_approval", "reason": msg, "approver": "user"} if {
	input.tool in user_approval_tools
	input.requested_by == "model"
	msg := sprintf("this tenant asks you to approve each call of %q before it runs", [input.tool])
}

egress_allowed(host) if host in egress_hosts

cidr_allowed(address) if {
	some cidr in allowed_cidrs
	net.cidr_contains(cidr, address)
}

egress_allowed(host) if {
	some pattern in egress_hosts
	startswith(pattern, "*.")
	endswith(host, substring(pattern, 1, -1))
}

approver_of(rule) := object.get(rule, "approver", "admin")

approver := "admin" if {
	some rule in approval
	approver_of(rule) == "admin"
} else := "user"

ids(set) := sort([r.id | some r in set])

reasons(set) := [r.reason | some r in sort_by_id(set)]

sort_by_id(set) := [r | some id in ids(set); some r in set; r.id == id]

default overridable := false

overridable if every rule in deny {
	object.get(rule, "overridable", false) == true
}

decision := object.union(verdict, {"settings_loaded": settings_loaded})

verdict := {"outcome": "deny", "rule_ids": ids(deny), "reasons": reasons(deny), "overridable": overridable} if {
	count(deny) > 0
} else := {
	"outcome": "require_approval", "rule_ids": ids(approval), "reasons": reasons(approval),
	"approver": approver,
} if {
	count(approval) > 0
} else := {
	"outcome": "allow",
	"rule_ids": ["tools.allowed"],
	"reasons": [sprintf("role %q may call %q", [input.principal.role, input.tool])],
}
