#pragma once
// SpecDocument: the experiment spec open in the workbench (the same JSON `experiment run`
// takes). Every edit is an undoable command holding the spec before and after; problems
// are re-checked after each edit with the core reader, so the window names the JSON field.
#include "experiment/experiment_spec.h"

#include <QObject>
#include <QString>
#include <QUndoStack>

#include <vector>

namespace inoculab::ui {

class SpecDocument : public QObject {
    Q_OBJECT
public:
    explicit SpecDocument(QObject *parent = nullptr);

    const experiment::ExperimentSpec &spec() const { return m_spec; }
    QString path() const { return m_path; }  // empty for a new, never-saved spec
    bool isModified() const { return !m_undo.isClean(); }
    QUndoStack *undoStack() { return &m_undo; }
    // Problems of the current spec ("conditions[1].prompt: ..."); empty when it can run.
    const std::vector<experiment::SpecProblem> &problems() const { return m_problems; }

    // Loading replaces the spec and clears the undo history; on failure nothing changes and
    // `error` names the file, line or field.
    bool load(const QString &path, QString *error);
    // Writes atomically (a failed save leaves the old file); the document takes the path.
    bool save(const QString &path, QString *error);
    // A new experiment: the built-in defaults with a baseline condition and seed 0.
    void reset();

    // Replaces the spec through an undoable command. Consecutive edits with the same non-empty
    // `mergeKey` (typing into one field) are undone as one.
    void edit(const experiment::ExperimentSpec &after, const QString &description, const QString &mergeKey = {});
    void setCondition(int index, const experiment::ConditionSpec &condition, const QString &mergeKey = {});

Q_SIGNALS:
    void changed();      // the spec changed (edit, undo, redo, load, reset)
    void pathChanged();  // loaded, saved under a new name, or reset

private:
    friend class SpecEditCommand;
    void apply(const experiment::ExperimentSpec &spec);

    experiment::ExperimentSpec m_spec;
    std::vector<experiment::SpecProblem> m_problems;
    QString m_path;
    QUndoStack m_undo;
};

}  // namespace inoculab::ui
