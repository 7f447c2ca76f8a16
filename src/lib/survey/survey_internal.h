/* survey_internal.h — what survey.c and survey_todo.c share (not part of the API). */
#ifndef HELBY_SURVEY_INTERNAL_H
#define HELBY_SURVEY_INTERNAL_H

#include "helby/error.h"

/* Every TODO left in the files of definition directory dir, added to errs as
 * "TODO left: ..." at its file, line and column (*n counts them): survey.ini values and CSV
 * cells that hold TODO (comment lines not read), and an indices.csv without an index when
 * there is no shares.csv. HELBY_ENOMEM only. */
helby_status helby_survey_todos(const char *dir, helby_error_list *errs, size_t *n);

/* The place of a definition file in the order errors are listed (survey.ini first,
 * margins/ after the other files, anything else last). */
int helby_survey_todo_file_rank(const char *path);

#endif
