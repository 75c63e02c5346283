terraform {
  # 1.11 is the first release in which the S3 backend's own lock file (use_lockfile) is
  # generally available; 1.10 shipped it as experimental.
  required_version = ">= 1.11.0, < 2.0.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 6.0"
    }
    archive = {
      source  = "hashicorp/archive"
      version = "~> 2.7"
    }
  }

  # Partial configuration: CodeBuild passes bucket, key and region to `terraform init`
  # (-backend-config), so the same code serves production and every pull request's
  # throw-away copy, each with its own state object.
  backend "s3" {
    use_lockfile = true
    encrypt      = true
  }
}
