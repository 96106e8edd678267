"""The bundled course (issue 12): at least 14 lessons in course order, each 5-15 minutes with
at least two checks, unique ids and orders; the solvability of each is tested in
test_lessons.py."""

from engine.lessons import bundled_lessons


def test_the_course_has_fourteen_or_more_lessons_in_order():
    lessons = [lesson for _, lesson, _ in bundled_lessons()]
    assert len(lessons) >= 14 and all(lesson is not None for lesson in lessons)
    orders = [lesson.order for lesson in lessons]
    assert orders == sorted(orders) and len(set(orders)) == len(orders)
    assert len({lesson.id for lesson in lessons}) == len(lessons)
    for lesson in lessons:
        assert 5 <= lesson.minutes <= 15, lesson.id
        assert len(lesson.check_ids()) >= 2 and lesson.goals, lesson.id
        assert lesson.id.startswith(f"{lesson.order:02d}_"), lesson.id
