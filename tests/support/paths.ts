// Where the specs find the project's own files, computed once: a spec moved to another folder keeps working.
import * as path from "node:path";

export const REPOSITORY_ROOT = path.resolve(__dirname, "..", "..");
/** The Terraform module the repository is seeded with. */
export const TERRAFORM_MODULE_DIR = path.join(REPOSITORY_ROOT, "terraform-lambda");
