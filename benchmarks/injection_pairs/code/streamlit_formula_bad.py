import pandas as pd
import streamlit as st

frame = pd.read_csv("sales.csv")
formula = st.text_input("Column formula", "price * quantity")
if formula:
    exec(f"frame['computed'] = {formula}", {"frame": frame, **{c: frame[c] for c in frame.columns}})
    st.dataframe(frame)
