package soma.tools_test

import rego.v1

import data.soma.tools

tenant_a := "11111111-1111-4111-8111-111111111111"

base := {
	"tenant_id": tenant_a,
	"principal": {"role": "user", "key_id": null},
	"tool": "web.search",
	"risk": "low",
	"arguments": {"query": "kafka"},
	"requested_by": "model",
	"context": {"classification": "classified", "intent": "question", "sentiment": "neutral", "tags": []},
	"resource": {},
}

call(overrides) := object.union(base, overrides)

tenants := {tenant_a: {
	"egress_hosts": ["127.0.0.1", "*.example.org"], "disabled_tools": ["memory.search"],
	"allowed_cidrs": ["127.0.0.1/32"],
}}

public_fetch(host) := call({
	"tool": "http.fetch", "risk": "medium",
	"resource": {"scheme": "https", "host": host, "port": 443, "addresses": [{"address": "93.184.215.14", "range": "public"}]},
})

test_low_risk_tool_allowed if {
	d := tools.decision with input as base
	d.outcome == "allow"
	d.rule_ids == ["tools.allowed"]
	count(d.reasons) == 1
}

test_unknown_tool_denied_with_reason if {
	d := tools.decision with input as call({"tool": "shell.root"})
	d.outcome == "deny"
	"tools.unknown" in d.rule_ids
	contains(d.reasons[0], "shell.root")
}

test_unknown_role_denied if {
	d := tools.decision with input as call({"principal": {"role": "guest", "key_id": null}})
	d.outcome == "deny"
	d.rule_ids == ["tools.role_forbidden"]
}

test_bash_forbidden_for_users if {
	d := tools.decision with input as call({"tool": "code.execute", "risk": "high", "arguments": {"language": "bash", "code": "ls"}})
	d.outcome == "deny"
	d.rule_ids == ["code.bash_admin_only"]
	d.reasons == ["bash programs may only be run by admins"]
}

test_high_risk_needs_approval_for_users if {
	d := tools.decision with input as call({"tool": "code.execute", "risk": "high", "arguments": {"language": "python", "code": "print(1)"}})
	d.outcome == "require_approval"
	d.rule_ids == ["risk.high_needs_approval"]
}

test_high_risk_allowed_for_admins if {
	d := tools.decision with input as call({
		"tool": "code.execute", "risk": "high", "principal": {"role": "admin", "key_id": null},
		"arguments": {"language": "bash", "code": "ls"},
	})
	d.outcome == "allow"
}

test_deny_wins_over_approval if {
	d := tools.decision with input as call({"tool": "code.execute", "risk": "high", "arguments": {"language": "bash", "code": "ls"}})
	d.outcome == "deny"
	not "risk.high_needs_approval" in d.rule_ids
}

test_egress_host_on_allow_list if {
	d := tools.decision with input as call({"tool": "http.fetch", "risk": "medium", "resource": {"scheme": "http", "host": "127.0.0.1", "port": 80, "addresses": [{"address": "127.0.0.1", "range": "loopback"}]}})
		with data.soma.tenants as tenants
	d.outcome == "allow"
}

test_egress_wildcard_subdomain if {
	d := tools.decision with input as call({"tool": "http.fetch", "risk": "medium", "resource": {"scheme": "https", "host": "docs.example.org", "port": 443, "addresses": [{"address": "93.184.215.14", "range": "public"}]}})
		with data.soma.tenants as tenants
	d.outcome == "allow"
}

test_egress_wildcard_does_not_match_suffix_trick if {
	d := tools.decision with input as call({"tool": "http.fetch", "risk": "medium", "resource": {"scheme": "https", "host": "evilexample.org", "port": 443, "addresses": [{"address": "93.184.215.14", "range": "public"}]}})
		with data.soma.tenants as tenants
	d.outcome == "deny"
	d.rule_ids == ["http.egress_not_allowed"]
}

test_egress_denied_without_tenant_settings if {
	d := tools.decision with input as call({"tool": "http.fetch", "risk": "medium", "resource": {"scheme": "https", "host": "docs.example.org", "port": 443, "addresses": [{"address": "93.184.215.14", "range": "public"}]}})
	d.outcome == "deny"
	d.rule_ids == ["http.egress_not_allowed"]
	contains(d.reasons[0], "docs.example.org")
}

test_egress_other_tenant_list_not_used if {
	d := tools.decision with input as call({
		"tenant_id": "22222222-2222-4222-8222-222222222222", "tool": "http.fetch", "risk": "medium",
		"resource": {"scheme": "http", "host": "127.0.0.1"},
	})
		with data.soma.tenants as tenants
	d.outcome == "deny"
}

test_scheme_must_be_http if {
	d := tools.decision with input as call({"tool": "http.fetch", "risk": "medium", "resource": {"scheme": "file", "host": "127.0.0.1", "port": 80, "addresses": [{"address": "127.0.0.1", "range": "loopback"}]}})
		with data.soma.tenants as tenants
	d.outcome == "deny"
	d.rule_ids == ["http.scheme_not_allowed"]
}

test_tool_disabled_for_tenant if {
	d := tools.decision with input as call({"tool": "memory.search", "arguments": {"query": "x"}})
		with data.soma.tenants as tenants
	d.outcome == "deny"
	d.rule_ids == ["tools.disabled_for_tenant"]
}

test_memory_write_plain_note_allowed if {
	d := tools.decision with input as call({"tool": "memory.write", "arguments": {"content": "the user prefers metric units"}})
	d.outcome == "allow"
}

test_memory_write_secret_denied if {
	d := tools.decision with input as call({"tool": "memory.write", "arguments": {"content": "my password: hunter2"}})
	d.outcome == "deny"
	d.rule_ids == ["memory.no_secrets"]
}

test_memory_write_api_key_denied if {
	d := tools.decision with input as call({"tool": "memory.write", "arguments": {"content": "key soma_abcdefghijklmnopqrstuvwxyz"}})
	d.outcome == "deny"
}

test_egress_deny_is_overridable_by_the_operator if {
	d := tools.decision with input as public_fetch("unlisted.example.com") with data.soma.tenants as tenants
	d.outcome == "deny"
	d.rule_ids == ["http.egress_not_allowed"]
	d.overridable == true
}

test_metadata_address_refused_and_never_overridable if {
	d := tools.decision with input as call({
		"tool": "http.fetch", "risk": "medium",
		"resource": {
			"scheme": "http", "host": "docs.example.org", "port": 80,
			"addresses": [{"address": "169.254.169.254", "range": "link_local"}],
		},
	})
		with data.soma.tenants as tenants
	d.outcome == "deny"
	d.rule_ids == ["http.address_not_allowed"]
	contains(d.reasons[0], "169.254.169.254 (link_local)")
	d.overridable == false
}

test_allow_listed_name_resolving_to_loopback_refused if {
	d := tools.decision with input as call({
		"tool": "http.fetch", "risk": "medium",
		"resource": {
			"scheme": "http", "host": "docs.example.org", "port": 80,
			"addresses": [{"address": "127.0.0.2", "range": "loopback"}, {"address": "93.184.215.14", "range": "public"}],
		},
	})
		with data.soma.tenants as tenants
	d.outcome == "deny"
	d.rule_ids == ["http.address_not_allowed"]
	contains(d.reasons[0], "127.0.0.2")
	not contains(d.reasons[0], "93.184.215.14")
}

test_tenant_cidr_opens_an_internal_address if {
	d := tools.decision with input as call({
		"tool": "http.fetch", "risk": "medium",
		"resource": {"scheme": "http", "host": "127.0.0.1", "port": 80, "addresses": [{"address": "127.0.0.1", "range": "loopback"}]},
	})
		with data.soma.tenants as tenants
	d.outcome == "allow"
}

test_port_outside_allow_list_refused if {
	d := tools.decision with input as call({
		"tool": "http.fetch", "risk": "medium",
		"resource": {"scheme": "http", "host": "docs.example.org", "port": 3002, "addresses": [{"address": "93.184.215.14", "range": "public"}]},
	})
		with data.soma.tenants as tenants
	d.outcome == "deny"
	d.rule_ids == ["http.port_not_allowed"]
	d.overridable == false
}

test_tenant_ports_replace_the_default if {
	d := tools.decision with input as call({
		"tool": "http.fetch", "risk": "medium",
		"resource": {"scheme": "http", "host": "docs.example.org", "port": 8080, "addresses": [{"address": "93.184.215.14", "range": "public"}]},
	})
		with data.soma.tenants as {tenant_a: {"egress_hosts": ["*.example.org"], "allowed_ports": [8080]}}
	d.outcome == "allow"
}

test_unresolved_fetch_refused if {
	d := tools.decision with input as call({"tool": "http.fetch", "risk": "medium", "resource": {"scheme": "https", "host": "docs.example.org", "port": 443}})
		with data.soma.tenants as tenants
	d.outcome == "deny"
	d.rule_ids == ["http.address_unresolved"]
}

test_mixed_denies_not_overridable if {
	d := tools.decision with input as call({
		"tool": "http.fetch", "risk": "medium",
		"resource": {"scheme": "http", "host": "metadata.internal", "port": 80, "addresses": [{"address": "169.254.169.254", "range": "link_local"}]},
	})
	d.outcome == "deny"
	d.rule_ids == ["http.address_not_allowed", "http.egress_not_allowed"]
	d.overridable == false
}

test_disabled_tool_and_role_denies_not_overridable if {
	d1 := tools.decision with input as call({"tool": "memory.search", "arguments": {"query": "x"}}) with data.soma.tenants as tenants
	d1.overridable == false
	d2 := tools.decision with input as call({"tool": "code.execute", "risk": "high", "arguments": {"language": "bash", "code": "ls"}})
	d2.overridable == false
}

test_secret_note_deny_is_overridable if {
	d := tools.decision with input as call({"tool": "memory.write", "arguments": {"content": "my password: hunter2"}})
	d.overridable == true
}

test_memory_write_pii_context_denied if {
	d := tools.decision with input as call({"tool": "memory.write", "arguments": {"content": "lives at 5 Main St"}, "context": {"classification": "classified", "intent": "task_request", "sentiment": "neutral", "tags": ["memory", "privacy"]}})
	d.outcome == "deny"
	d.rule_ids == ["memory.sensitive_context"]
}

test_several_denials_all_reported_sorted if {
	d := tools.decision with input as call({
		"tool": "http.fetch", "risk": "medium",
		"resource": {"scheme": "ftp", "host": "nowhere", "port": 443, "addresses": [{"address": "93.184.215.14", "range": "public"}]},
	})
	d.outcome == "deny"
	d.rule_ids == ["http.egress_not_allowed", "http.scheme_not_allowed"]
	count(d.reasons) == 2
}

approval_tenants := {tenant_a: {"user_approval_tools": ["web.search", "code.execute"]}}

test_user_approval_tool_asks_the_session_user if {
	d := tools.decision with input as base with data.soma.tenants as approval_tenants
	d.outcome == "require_approval"
	d.rule_ids == ["tenant.user_approval"]
	d.approver == "user"
	contains(d.reasons[0], "web.search")
}

test_user_approval_applies_to_admins_too if {
	d := tools.decision with input as call({"principal": {"role": "admin", "key_id": null}})
		with data.soma.tenants as approval_tenants
	d.outcome == "require_approval"
	d.approver == "user"
}

test_user_approval_not_for_explicit_user_calls if {
	d := tools.decision with input as call({"requested_by": "user"}) with data.soma.tenants as approval_tenants
	d.outcome == "allow"
}

test_admin_approver_wins_over_user_approver if {
	d := tools.decision with input as call({"tool": "code.execute", "risk": "high", "arguments": {"language": "python", "code": "print(1)"}})
		with data.soma.tenants as approval_tenants
	d.outcome == "require_approval"
	d.rule_ids == ["risk.high_needs_approval", "tenant.user_approval"]
	d.approver == "admin"
}

test_high_risk_approval_is_an_admins if {
	d := tools.decision with input as call({"tool": "code.execute", "risk": "high", "arguments": {"language": "python", "code": "print(1)"}})
	d.approver == "admin"
}

test_deny_wins_over_user_approval if {
	d := tools.decision with input as call({"tool": "code.execute", "risk": "high", "arguments": {"language": "bash", "code": "ls"}})
		with data.soma.tenants as approval_tenants
	d.outcome == "deny"
	not d.approver
}

test_allow_has_no_approver if {
	d := tools.decision with input as base
	not d.approver
}

test_decision_says_whether_tenant_settings_are_loaded if {
	unloaded := tools.decision with input as base
	unloaded.settings_loaded == false
	d := tools.decision with input as base with data.soma.settings_loaded as {"revision": 3, "tenants": 1}
	d.settings_loaded
	d.outcome == "allow"
}

test_memory_write_security_context_denied if {
	ctx := {"classification": "classified", "intent": "question", "sentiment": "negative", "tags": ["security"]}
	d := tools.decision with input as call({"tool": "memory.write", "arguments": {"content": "x"}, "context": ctx})
	d.outcome == "deny"
	d.rule_ids == ["memory.sensitive_context"]
}

test_memory_write_unclassified_needs_the_users_approval if {
	ctx := {"classification": "unavailable", "reason": "TIMEOUT"}
	d := tools.decision with input as call({"tool": "memory.write", "arguments": {"content": "x"}, "context": ctx})
	d.outcome == "require_approval"
	d.rule_ids == ["memory.unclassified_context"]
	d.approver == "user"
	contains(d.reasons[0], "TIMEOUT")
}

test_memory_write_unclassified_by_the_user_allowed if {
	ctx := {"classification": "unavailable", "reason": "TIMEOUT"}
	d := tools.decision with input as call({"tool": "memory.write", "arguments": {"content": "x"}, "context": ctx, "requested_by": "user"})
	d.outcome == "allow"
}

test_memory_write_harmless_classified_allowed if {
	d := tools.decision with input as call({"tool": "memory.write", "arguments": {"content": "prefers metric units"}})
	d.outcome == "allow"
}

mcp_input := {
	"tenant_id": "t-mcp", "principal": {"role": "user", "key_id": "k"}, "tool": "mcp.docs.search", "risk": "medium",
	"arguments": {}, "requested_by": "model", "context": {"classification": "unavailable", "reason": "MISSING"},
	"resource": {"source": "mcp", "server": "docs", "transport": "stdio", "remote_tool": "search"},
}

test_mcp_tool_allowed if {
	d := tools.decision with input as mcp_input with data.soma.settings_loaded as {"revision": 1}
	d.outcome == "allow"
}

test_mcp_name_without_mcp_resource_is_unknown if {
	d := tools.decision with input as object.union(mcp_input, {"resource": {"source": "builtin"}})
	d.outcome == "deny"
	"tools.unknown" in d.rule_ids
}

test_mcp_server_must_match_name if {
	d := tools.decision with input as object.union(mcp_input, {"tool": "mcp.other.search"})
	"tools.unknown" in d.rule_ids
}

test_mcp_tool_disabled_for_tenant if {
	d := tools.decision with input as mcp_input with data.soma.tenants as {"t-mcp": {"disabled_tools": ["mcp.docs.search"]}}
	d.outcome == "deny"
	"tools.disabled_for_tenant" in d.rule_ids
}
