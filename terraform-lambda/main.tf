# Region and credentials come from the environment (AWS_REGION in CodeBuild).
provider "aws" {
  default_tags {
    tags = {
      "lambda-power-tuned:managed-by"  = "terraform-lambda"
      "lambda-power-tuned:environment" = var.name_suffix == "" ? "production" : "pr-${var.name_suffix}"
    }
  }
}

# The provider zeroes every entry's timestamp and walks the directory in lexical order; a
# fixed file mode removes the last difference between machines. The same code therefore
# always gives the same zip and the same source_code_hash, and Terraform plans no change
# for an untouched function.
data "archive_file" "package" {
  for_each = local.functions

  type             = "zip"
  source_dir       = each.value.source_dir
  output_path      = "${path.module}/build/${each.key}.zip"
  output_file_mode = "0644"
}

data "aws_iam_policy_document" "lambda_assume_role" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "function" {
  for_each = local.functions

  name               = local.role_names[each.key]
  path               = var.role_path
  tags               = local.role_tags
  assume_role_policy = data.aws_iam_policy_document.lambda_assume_role.json
  # Whatever policies the role gets, it can do no more than the stack's boundary allows
  # (its function's logs); the builds may create or change roles only with it attached.
  permissions_boundary = var.permissions_boundary_arn

  lifecycle {
    precondition {
      condition     = length(local.role_names[each.key]) <= 64
      error_message = "IAM role name ${local.role_names[each.key]} is longer than 64 characters: shorten the function's key in local.functions or name_prefix."
    }
  }
}

# Created before the function, so Lambda never creates it on its own without a retention.
resource "aws_cloudwatch_log_group" "function" {
  for_each = local.functions

  name              = "/aws/lambda/${local.function_names[each.key]}"
  retention_in_days = 14
}

# Instead of AWSLambdaBasicExecutionRole (any log group in the account): its own log group only.
data "aws_iam_policy_document" "write_own_logs" {
  for_each = local.functions

  statement {
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.function[each.key].arn}:*"]
  }
}

resource "aws_iam_role_policy" "write_own_logs" {
  for_each = local.functions

  name   = "write-own-logs"
  role   = aws_iam_role.function[each.key].id
  policy = data.aws_iam_policy_document.write_own_logs[each.key].json
}

resource "aws_lambda_function" "function" {
  for_each = local.functions

  function_name    = local.function_names[each.key]
  description      = each.value.description
  role             = aws_iam_role.function[each.key].arn
  runtime          = "nodejs22.x"
  architectures    = ["arm64"]
  handler          = each.value.handler
  memory_size      = each.value.memory_size
  timeout          = each.value.timeout
  filename         = data.archive_file.package[each.key].output_path
  source_code_hash = data.archive_file.package[each.key].output_base64sha256

  # The first invocation can already write its logs.
  depends_on = [aws_iam_role_policy.write_own_logs]

  lifecycle {
    precondition {
      condition     = length(local.function_names[each.key]) <= 64
      error_message = "Lambda function name ${local.function_names[each.key]} is longer than 64 characters: shorten the function's key in local.functions or name_prefix."
    }
  }
}
