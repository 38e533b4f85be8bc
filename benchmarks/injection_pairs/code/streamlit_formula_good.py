import operator

import pandas as pd
import streamlit as st

OPERATIONS = {"price * quantity": operator.mul, "price + tax": operator.add}
frame = pd.read_csv("sales.csv")
formula = st.selectbox("Column formula", list(OPERATIONS))
if formula:
    left, right = ("price", "quantity") if formula == "price * quantity" else ("price", "tax")
    frame["computed"] = OPERATIONS[formula](frame[left], frame[right])
    st.dataframe(frame)
