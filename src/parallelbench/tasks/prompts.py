"""Prompt templates of the benchmark, verbatim from the specification (SPEC.md sections 3.2 and 6).

Templates are Python ``str.format`` strings. They must stay byte-identical to the reference
``task_config.yaml`` prompts (a test compares them with the official files), so do not reflow
them. Note the quirks that are part of the benchmark: every Waiting Line template ends with a
newline except ``replace_random``; the Sudoku template holds literal backslash-n sequences that
rendering turns into newlines (SPEC 3.1).
"""
from __future__ import annotations

_DESK = "You are managing a waiting line at a customer service desk.\n"

#: Waiting Line templates (identical for ``waiting_line/*`` and ``waiting_line_n15/*``).
WAITING_LINE_PROMPTS: dict[str, str] = {
    "copy": _DESK
    + "You need to record the following people in the order they arrived:\n{context}\n"
    "Please copy the list exactly and provide only the final list.\n",
    "sort": _DESK
    + "The following people should be organized alphabetically by last name for efficient "
    "processing:\n{context}\n"
    "Please sort the list in alphabetical order and provide only the final list.\n",
    "reverse": _DESK
    + "The previous staff member put the waiting line in the wrong order.\n"
    "Please reverse the order of the following people in the waiting line to correct it:\n"
    "{context}\n"
    "Please reverse the order of the list and provide only the final list.\n",
    "shuffle": _DESK
    + "The waiting line should be randomly shuffled to ensure fair service distribution:\n"
    "{context}\n"
    "Please randomly shuffle the list and provide only the final list.\n"
    "Ensure the sequence is different from the original.\n",
    "insert_index": _DESK
    + 'A new person "{word}" is inserted into the line at position {index}:\n{context}\n'
    "Please put the new person at the specified position and provide only the final list.\n",
    "insert_random": _DESK
    + 'A new person "{word}" is inserted into the line at a random position:\n{context}\n'
    "Please put the new person in the random position and provide only the final list.\n",
    "remove_index": _DESK
    + "The person at position {index} has left the waiting line:\n{context}\n"
    "Please remove the person at the specified position and provide only the final list.\n",
    "remove_random": _DESK
    + "One person has left the waiting line:\n{context}\n"
    "Please remove a random person and provide only the final list.\n",
    "replace_index": _DESK
    + 'The person at position {index} must be replaced with "{word}":\n{context}\n'
    'Please replace the person at the specified position with "{word}" and provide only the '
    "final list.\n",
    # The only Waiting Line template without a trailing newline (as in the reference).
    "replace_random": _DESK
    + 'One person in the waiting line must be replaced with "{word}":\n{context}\n'
    'Please replace one random person with "{word}" and provide only the final list.',
}

_ONLY = " Only provide the final answer."

#: Section 4 synthetic list operations (``tasks_list_op*.yaml``); ``{context}`` = L(letters).
LIST_OP_PROMPTS: dict[str, str] = {
    "copy": "Repeat {context} exactly, preserving every character (brackets, quotes, commas, "
    "spaces, order, and case)." + _ONLY,
    "shuffle": "Randomly rearrange the order of the following words: {context}. Ensure the "
    "sequence is different from the original." + _ONLY,
    "replace_index": 'Replace the word at index {index} from the list with the word "{word}": '
    "{context}." + _ONLY,
    "replace_random": 'Replace a random word from the list: {context} with the word "{word}".'
    + _ONLY,
    "sort": "Sort the following words in alphabetical order: {context}." + _ONLY,
    "reverse": "Reverse the order of the following words: {context}." + _ONLY,
    "insert_index": 'Insert the word "{word}" at index {index} in the list: {context}.' + _ONLY,
    "insert_random": 'Insert the word "{word}" at a random position in the list: {context}.'
    + _ONLY,
    "remove_index": "Remove the word at index {index} from the list: {context}." + _ONLY,
    "remove_random": "Remove a random word from the list: {context}." + _ONLY,
}

SAMSUM_PROMPT = (
    "Summarize the following conversation. Only output the final result.\n\n{text}\n\nSummary:"
)
PARAPHRASE_PROMPT = (
    "Paraphrase the following sentence. Only output the final result.\n\nSentence: {text}\n\n"
    "Paraphrase:"
)
W2S_PROMPT = "Construct a single, coherent sentence using the words {words}."
#: Used by ``words_to_sentence/*_n1`` ("the word", singular).
W2S_PROMPT_ONE = "Construct a single, coherent sentence using the word {words}."
LATIN_SQUARE_PROMPT = (
    "Generate a Latin square of size {size} with the symbols {symbols}. Only output the final "
    "result as CSV."
)
#: As stored: the backslash-n pairs are literal and become newlines at render time.
SUDOKU_PROMPT = (
    "Fill the positions where the values are 0 in a 4x4 grid with digits 1-4 so that each "
    "column, each row, and each of the four 2x2 subgrids that compose the grid contains all of "
    "the digits from 1 to 4.\\n\\nInput:\\n{sudoku}\\nOutput:\\n"
)
