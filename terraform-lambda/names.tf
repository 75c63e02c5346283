locals {
  # Every name is <name_prefix>-<what>[-<name_suffix>]: the stack's IAM policies allow
  # Terraform to manage exactly the <name_prefix>-* names, and a pull request's copy
  # (name_suffix pr-<id>-<commit>) never collides with production's.
  name_suffix    = var.name_suffix == "" ? "" : "-${var.name_suffix}"
  function_names = { for key, _ in local.functions : key => "${var.name_prefix}-${key}${local.name_suffix}" }
  role_names     = { for key, _ in local.functions : key => "${var.name_prefix}-${key}-role${local.name_suffix}" }
}
