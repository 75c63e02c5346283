locals {
  # The functions this repository deploys. Add an entry (and its code under functions/) to
  # deploy another one: it gets its own role and log group, appears in the `functions`
  # output, and so is power-tuned on every pull request.
  functions = {
    digest = {
      description = "Fingerprints and compresses a document: CPU-bound work whose speed follows the memory size."
      source_dir  = "${path.module}/functions/digest"
      handler     = "index.handler"
      memory_size = var.memory_size
      timeout     = 30
    }
  }
}
