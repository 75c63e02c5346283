locals {
  # Every name is <name_prefix>-<what> in production and <name_prefix>-<name_suffix>-<what> in a
  # pull request's copy (name_suffix <id>-<short commit>). The stack's IAM policies allow Terraform
  # to manage exactly the <name_prefix>-* names, and a copy's names share a prefix of their own,
  # so one copy can be found, and swept, by that prefix without reaching production or another copy.
  names_start    = var.name_suffix == "" ? var.name_prefix : "${var.name_prefix}-${var.name_suffix}"
  function_names = { for key, _ in local.functions : key => "${local.names_start}-${key}" }
  role_names     = { for key, _ in local.functions : key => "${local.names_start}-${key}-role" }
  # A copy's roles carry the copy's prefix in this tag: the copies' permissions boundary lets a
  # role write only the log groups of the copy its tag and its own name agree on.
  role_tags = var.name_suffix == "" ? {} : { "power-tuned-copy" = local.names_start }
}
