variable "name" {
  type = string
}

variable "ssh_cidr" {
  type = string
}

resource "aws_security_group" "bastion" {
  name = "${var.name}-bastion"

  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = [var.ssh_cidr]
  }
}

output "sg_id" {
  value = aws_security_group.bastion.id
}
