locals {
  # Every name is <name_prefix>-<what> in production and <name_prefix>-<name_suffix>-<what> in a
  # pull request's copy (name_suffix <id>-<short commit>). The stack's IAM policies allow Terraform
  # to manage exactly the <name_prefix>-* names, and a copy's names share a prefix of their own,
  # so one copy can be found, and swept, by that prefix without reaching production or another copy.
  names_start    = var.name_suffix == "" ? var.name_prefix : "${var.name_prefix}-${var.name_suffix}"
  function_names = { for key, _ in local.functions : key => "${local.names_start}-${key}" }
  role_names     = { for key, _ in local.functions : key => "${local.names_start}-${key}-role" }
}
