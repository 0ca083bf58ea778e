"""Tasks that exist only for tests of the worker itself (imported by the worker process)."""

from django_tasks import TaskContext, task
from django_tasks_db.models import DBTaskResult


@task(takes_context=True)
def delete_own_row(context: TaskContext) -> str:
    """What a prune or a truncate does to a task that is running: its row disappears, so
    the worker's "mark it done" update touches no row and raises."""
    DBTaskResult.objects.filter(id=context.task_result.id).delete()
    return "deleted"
