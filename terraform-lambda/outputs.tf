output "arn" {
  description = "Unqualified ARN of the digest function."
  value       = aws_lambda_function.function["digest"].arn
}

output "functions" {
  description = "Logical name => unqualified ARN of every function in local.functions. The pull-request build tunes each of them."
  value       = { for key, function in aws_lambda_function.function : key => function.arn }
}
