from django.core.management.base import BaseCommand

from cases.actions import table


class Command(BaseCommand):
    help = "Print the case lifecycle (the action table, cases/actions/table.py) as a Mermaid or Graphviz graph."

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=["mermaid", "dot"], default="mermaid")

    def handle(self, *args, **options):
        edges = sorted(table.graph_edges())
        if options["format"] == "dot":
            self.stdout.write("digraph lifecycle {")
            for source, action, target in edges:
                self.stdout.write(f'  "{source}" -> "{target}" [label="{action}"];')
            self.stdout.write("}")
        else:
            self.stdout.write("stateDiagram-v2")
            for source, action, target in edges:
                self.stdout.write(f"  {source} --> {target}: {action}")
        stays = [name for name, row in table.ACTIONS.items() if row.target is None]
        self.stderr.write("Actions that keep the state: " + ", ".join(stays))
