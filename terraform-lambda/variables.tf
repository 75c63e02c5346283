variable "name_prefix" {
  description = "Start of every resource name. The CodeBuild projects set it (TF_VAR_name_prefix) to the stack's namePrefix, which is what their IAM policies allow Terraform to manage."
  type        = string
  default     = "power-tuned"

  validation {
    condition     = can(regex("^[A-Za-z]([A-Za-z0-9-]{0,30}[A-Za-z0-9])?$", var.name_prefix))
    error_message = "name_prefix must be 1-32 letters, digits or hyphens, starting with a letter and not ending with a hyphen (the stack's namePrefix rule); got \"${var.name_prefix}\"."
  }
}

variable "name_suffix" {
  description = "Empty for production. The pull-request builds pass <id>-<short commit>: the copy's names then start with <name_prefix>-<id>-<short commit>-, a prefix no other copy and no production name shares."
  type        = string
  default     = ""

  validation {
    condition     = var.name_suffix == "" || can(regex("^[1-9][0-9]{0,15}-[0-9a-f]{7}$", var.name_suffix))
    error_message = "name_suffix must be empty (production) or <pull request id>-<7-character commit id>, such as 42-0123abc, with an id of at most 16 digits; got \"${var.name_suffix}\"."
  }
}

variable "role_path" {
  description = "IAM path of the roles this module creates: \"/\" in production. The pull-request builds pass the stack's copy path (/pull-request-copies/), the only path a copy's credentials may create roles under."
  type        = string
  default     = "/"

  validation {
    condition     = can(regex("^/([A-Za-z0-9+=,.@_-]+/)*$", var.role_path))
    error_message = "role_path must be an IAM path: \"/\", or segments of letters, digits or +=,.@_- each followed by \"/\", such as /pull-request-copies/; got \"${var.role_path}\"."
  }
}

variable "memory_size" {
  description = "Memory of the digest function in MB; Lambda gives CPU in proportion to it. The pull-request comment recommends a value: change it here."
  type        = number
  default     = 128

  validation {
    condition     = var.memory_size >= 128 && var.memory_size <= 10240 && floor(var.memory_size) == var.memory_size
    error_message = "memory_size must be a whole number of MB from 128 to 10240; got ${var.memory_size}."
  }
}

variable "permissions_boundary_arn" {
  description = "The stack's function boundary (<namePrefix>-function-boundary): every role this module creates carries it. The builds set it (TF_VAR_permissions_boundary_arn); their IAM policies let them create or change a role only with it attached."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:policy/([A-Za-z0-9+=,.@_-]+/)*[A-Za-z0-9+=,.@_-]{1,128}$", var.permissions_boundary_arn))
    error_message = "permissions_boundary_arn must be the ARN of an IAM managed policy, arn:aws:iam::<account>:policy/<path><name>; got \"${var.permissions_boundary_arn}\"."
  }
}
