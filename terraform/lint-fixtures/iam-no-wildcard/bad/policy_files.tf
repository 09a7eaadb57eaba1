# Policies kept in JSON files are read and checked; one that is not JSON is reported as a note.
resource "aws_iam_policy" "from_file" {
  name   = "from-file"
  policy = file("${path.module}/policies/admin.json")
}

resource "aws_iam_role_policy" "from_template" {
  name   = "from-template"
  role   = "worker"
  policy = templatefile("${path.module}/policies/queue.json.tftpl", { queue_arn = "*" })
}

resource "aws_iam_policy" "broken" {
  name   = "broken"
  policy = file("${path.module}/policies/broken.json")
}
